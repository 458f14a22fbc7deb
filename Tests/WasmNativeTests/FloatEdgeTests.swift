import TestSupport
import Testing
import WasmBinary

@testable import WasmInterpreter

/// The float instructions with multi-instruction machine code (min/max,
/// rounding, float-to-int truncations, u64-to-float) on edge operands, on
/// both engines, against the values the Wasm spec defines for them (its
/// numerics chapter; many are the spec suite's own conversions.wast and
/// f32/f64.wast cases): signed zeros, NaNs, infinities, the first and last
/// in-range float of every truncation, ties, and the u64 values whose
/// rounding needs the sticky bit.
@Suite struct FloatEdgeTests {
    enum Outcome: Equatable, CustomStringConvertible {
        case value(Value)
        /// Any NaN of the result type (the spec allows canonical and arithmetic NaNs).
        case nan
        case trap(Trap.Reason)

        var description: String {
            switch self {
            case .value(let v): "\(v)"
            case .nan: "NaN"
            case .trap(let r): "trap \(r)"
            }
        }
    }

    static func f(_ x: Float) -> Value { .f32(x.bitPattern) }
    static func d(_ x: Double) -> Value { .f64(x.bitPattern) }
    static func i32(_ x: Int32) -> Outcome { .value(.i32(UInt32(bitPattern: x))) }
    static func u32(_ x: UInt32) -> Outcome { .value(.i32(x)) }
    static func i64(_ x: Int64) -> Outcome { .value(.i64(UInt64(bitPattern: x))) }
    static func u64(_ x: UInt64) -> Outcome { .value(.i64(x)) }
    static func rf(_ x: Float) -> Outcome { .value(f(x)) }
    static func rd(_ x: Double) -> Outcome { .value(d(x)) }
    static var overflow: Outcome { .trap(.integerOverflow) }
    static var invalid: Outcome { .trap(.invalidConversionToInteger) }

    /// (instruction, operands, the spec's result).
    static var cases: [(NumericOp, [Value], Outcome)] {
        let nan32 = Float.nan
        let nan64 = Double.nan
        var c: [(NumericOp, [Value], Outcome)] = []
        // min/max: NaN wins, -0 < +0, ordinary order otherwise.
        for (minOp, maxOp, v, r): (NumericOp, NumericOp, (Double) -> Value, (Double) -> Outcome) in [
            (.f32Min, .f32Max, { f(Float($0)) }, { rf(Float($0)) }), (.f64Min, .f64Max, d, rd),
        ] {
            c += [
                (minOp, [v(-0.0), v(0.0)], r(-0.0)), (minOp, [v(0.0), v(-0.0)], r(-0.0)),
                (maxOp, [v(-0.0), v(0.0)], r(0.0)), (maxOp, [v(0.0), v(-0.0)], r(0.0)),
                (minOp, [v(-0.0), v(-0.0)], r(-0.0)), (maxOp, [v(0.0), v(0.0)], r(0.0)),
                (minOp, [v(1), v(nan64)], .nan), (minOp, [v(nan64), v(1)], .nan),
                (maxOp, [v(-.infinity), v(nan64)], .nan), (maxOp, [v(nan64), v(nan64)], .nan),
                (minOp, [v(-.infinity), v(5)], r(-.infinity)), (maxOp, [v(-.infinity), v(5)], r(5)),
                (minOp, [v(3), v(2)], r(2)), (maxOp, [v(3), v(2)], r(3)),
                (minOp, [v(-7.5), v(.infinity)], r(-7.5)), (maxOp, [v(-7.5), v(.infinity)], r(.infinity)),
            ]
        }
        // Rounding: ties to even, signed zeros kept, NaN stays NaN, large values are integral already.
        for (ceil, floor, trunc, nearest, v, r):
            (
                NumericOp, NumericOp, NumericOp, NumericOp, (Double) -> Value, (Double) -> Outcome
            ) in [
                (.f32Ceil, .f32Floor, .f32Trunc, .f32Nearest, { f(Float($0)) }, { rf(Float($0)) }),
                (.f64Ceil, .f64Floor, .f64Trunc, .f64Nearest, d, rd),
            ]
        {
            c += [
                (nearest, [v(2.5)], r(2)), (nearest, [v(3.5)], r(4)), (nearest, [v(-2.5)], r(-2)),
                (nearest, [v(-0.5)], r(-0.0)), (nearest, [v(0.5)], r(0.0)), (nearest, [v(1.5)], r(2)),
                (ceil, [v(-0.5)], r(-0.0)), (ceil, [v(1.1)], r(2)), (ceil, [v(-1.9)], r(-1)),
                (floor, [v(-0.5)], r(-1)), (floor, [v(-0.0)], r(-0.0)), (floor, [v(1.9)], r(1)),
                (trunc, [v(-1.7)], r(-1)), (trunc, [v(-0.3)], r(-0.0)), (trunc, [v(2.9)], r(2)),
                (ceil, [v(.infinity)], r(.infinity)), (floor, [v(-.infinity)], r(-.infinity)),
                (nearest, [v(nan64)], .nan), (ceil, [v(nan64)], .nan), (trunc, [v(-nan64)], .nan),
                (nearest, [v(8_388_609)], r(8_388_609)), (floor, [v(16_777_216)], r(16_777_216)),
            ]
        }
        c += [
            (.f64Nearest, [d(4_503_599_627_370_497)], rd(4_503_599_627_370_497)),
            (.f64Nearest, [d(4_503_599_627_370_495.5)], rd(4_503_599_627_370_496)),
            (.f32Nearest, [f(8_388_607.5)], rf(8_388_608)),
        ]
        // Trapping truncations: the first and last float in range, the first out of it, NaN.
        c += [
            (.i32TruncF32S, [f(-2_147_483_648)], i32(.min)), (.i32TruncF32S, [f(-2_147_483_904)], overflow),
            (.i32TruncF32S, [f(2_147_483_520)], i32(2_147_483_520)),
            (.i32TruncF32S, [f(2_147_483_648)], overflow), (.i32TruncF32S, [f(-0.9)], i32(0)),
            (.i32TruncF32S, [f(nan32)], invalid), (.i32TruncF32S, [f(-.infinity)], overflow),
            (.i32TruncF64S, [d(-2_147_483_648.9)], i32(.min)), (.i32TruncF64S, [d(-2_147_483_649)], overflow),
            (.i32TruncF64S, [d(2_147_483_647.9)], i32(.max)), (.i32TruncF64S, [d(2_147_483_648)], overflow),
            (.i32TruncF64S, [d(nan64)], invalid), (.i32TruncF64S, [d(.infinity)], overflow),
            (.i32TruncF64S, [d(-1.5)], i32(-1)),
            (.i32TruncF32U, [f(-0.9)], u32(0)), (.i32TruncF32U, [f(-1)], overflow),
            (.i32TruncF32U, [f(4_294_967_040)], u32(4_294_967_040)),
            (.i32TruncF32U, [f(4_294_967_296)], overflow), (.i32TruncF32U, [f(nan32)], invalid),
            (.i32TruncF32U, [f(2_147_483_648)], u32(2_147_483_648)),
            (.i32TruncF64U, [d(4_294_967_295.9)], u32(.max)), (.i32TruncF64U, [d(4_294_967_296)], overflow),
            (.i32TruncF64U, [d(-0.99)], u32(0)), (.i32TruncF64U, [d(-1)], overflow),
            (.i32TruncF64U, [d(-nan64)], invalid), (.i32TruncF64U, [d(1e30)], overflow),
            (.i64TruncF32S, [f(-9_223_372_036_854_775_808.0)], i64(.min)),
            (.i64TruncF32S, [f(9_223_372_036_854_775_808.0)], overflow),
            (.i64TruncF32S, [f(9_223_371_487_098_961_920.0)], i64(9_223_371_487_098_961_920)),
            (.i64TruncF32S, [f(-9_223_373_136_366_403_584.0)], overflow),
            (.i64TruncF32S, [f(nan32)], invalid),
            (.i64TruncF64S, [d(-9_223_372_036_854_775_808.0)], i64(.min)),
            (.i64TruncF64S, [d(9_223_372_036_854_774_784.0)], i64(9_223_372_036_854_774_784)),
            (.i64TruncF64S, [d(9_223_372_036_854_775_808.0)], overflow),
            (.i64TruncF64S, [d(-9_223_372_036_854_777_856.0)], overflow),
            (.i64TruncF64S, [d(nan64)], invalid),
            (.i64TruncF64S, [d(-.infinity)], overflow), (.i64TruncF64S, [d(-0.5)], i64(0)),
            (.i64TruncF32U, [f(18_446_742_974_197_923_840.0)], u64(18_446_742_974_197_923_840)),
            (.i64TruncF32U, [f(18_446_744_073_709_551_616.0)], overflow),
            (.i64TruncF32U, [f(9_223_372_036_854_775_808.0)], u64(1 << 63)),
            (.i64TruncF32U, [f(-0.9)], u64(0)), (.i64TruncF32U, [f(-1)], overflow),
            (.i64TruncF32U, [f(nan32)], invalid), (.i64TruncF32U, [f(.infinity)], overflow),
            (.i64TruncF64U, [d(18_446_744_073_709_549_568.0)], u64(18_446_744_073_709_549_568)),
            (.i64TruncF64U, [d(18_446_744_073_709_551_616.0)], overflow),
            (.i64TruncF64U, [d(9_223_372_036_854_775_808.0)], u64(1 << 63)),
            (.i64TruncF64U, [d(9_223_372_036_854_774_784.0)], u64(9_223_372_036_854_774_784)),
            (.i64TruncF64U, [d(-0.99)], u64(0)), (.i64TruncF64U, [d(-1)], overflow),
            (.i64TruncF64U, [d(-.infinity)], overflow), (.i64TruncF64U, [d(nan64)], invalid),
        ]
        // Saturating truncations: NaN is 0, out-of-range values clamp.
        c += [
            (.i32TruncSatF32S, [f(nan32)], i32(0)), (.i32TruncSatF32S, [f(.infinity)], i32(.max)),
            (.i32TruncSatF32S, [f(-.infinity)], i32(.min)), (.i32TruncSatF32S, [f(2_147_483_648)], i32(.max)),
            (.i32TruncSatF32S, [f(-2_147_483_904)], i32(.min)),
            (.i32TruncSatF32S, [f(-2_147_483_648)], i32(.min)), (.i32TruncSatF32S, [f(1.9)], i32(1)),
            (.i32TruncSatF64S, [d(-nan64)], i32(0)), (.i32TruncSatF64S, [d(2_147_483_647.9)], i32(.max)),
            (.i32TruncSatF64S, [d(2_147_483_648)], i32(.max)),
            (.i32TruncSatF64S, [d(-2_147_483_649)], i32(.min)),
            (.i32TruncSatF64S, [d(-1.9)], i32(-1)),
            (.i32TruncSatF32U, [f(nan32)], u32(0)), (.i32TruncSatF32U, [f(-1)], u32(0)),
            (.i32TruncSatF32U, [f(-.infinity)], u32(0)), (.i32TruncSatF32U, [f(.infinity)], u32(.max)),
            (.i32TruncSatF32U, [f(4_294_967_296)], u32(.max)),
            (.i32TruncSatF32U, [f(4_294_967_040)], u32(4_294_967_040)),
            (.i32TruncSatF32U, [f(1e30)], u32(.max)), (.i32TruncSatF32U, [f(-0.9)], u32(0)),
            (.i32TruncSatF64U, [d(4_294_967_295.9)], u32(.max)),
            (.i32TruncSatF64U, [d(4_294_967_296)], u32(.max)),
            (.i32TruncSatF64U, [d(-1e300)], u32(0)), (.i32TruncSatF64U, [d(nan64)], u32(0)),
            (.i32TruncSatF64U, [d(123.9)], u32(123)),
            (.i64TruncSatF32S, [f(nan32)], i64(0)), (.i64TruncSatF32S, [f(.infinity)], i64(.max)),
            (.i64TruncSatF32S, [f(9_223_372_036_854_775_808.0)], i64(.max)),
            (.i64TruncSatF32S, [f(-.infinity)], i64(.min)),
            (.i64TruncSatF32S, [f(-9_223_372_036_854_775_808.0)], i64(.min)),
            (.i64TruncSatF64S, [d(nan64)], i64(0)), (.i64TruncSatF64S, [d(1e300)], i64(.max)),
            (.i64TruncSatF64S, [d(-9_223_372_036_854_777_856.0)], i64(.min)),
            (.i64TruncSatF64S, [d(9_223_372_036_854_774_784.0)], i64(9_223_372_036_854_774_784)),
            (.i64TruncSatF32U, [f(nan32)], u64(0)), (.i64TruncSatF32U, [f(-1)], u64(0)),
            (.i64TruncSatF32U, [f(.infinity)], u64(.max)),
            (.i64TruncSatF32U, [f(18_446_744_073_709_551_616.0)], u64(.max)),
            (.i64TruncSatF32U, [f(18_446_742_974_197_923_840.0)], u64(18_446_742_974_197_923_840)),
            (.i64TruncSatF32U, [f(9_223_372_036_854_775_808.0)], u64(1 << 63)),
            (.i64TruncSatF64U, [d(nan64)], u64(0)), (.i64TruncSatF64U, [d(-.infinity)], u64(0)),
            (.i64TruncSatF64U, [d(18_446_744_073_709_551_616.0)], u64(.max)),
            (.i64TruncSatF64U, [d(18_446_744_073_709_549_568.0)], u64(18_446_744_073_709_549_568)),
            (.i64TruncSatF64U, [d(9_223_372_036_854_775_808.0)], u64(1 << 63)),
            (.i64TruncSatF64U, [d(0.99)], u64(0)),
        ]
        // u64 to float: above 2^63 the conversion must round once, to nearest even.
        c += [
            (.f32ConvertI64U, [.i64(.max)], rf(18_446_744_073_709_551_616.0)),
            (.f32ConvertI64U, [.i64(1 << 63)], rf(9_223_372_036_854_775_808.0)),
            (.f32ConvertI64U, [.i64(0x8000_0080_0000_0000)], rf(9_223_372_036_854_775_808.0)),
            (.f32ConvertI64U, [.i64(0x8000_0080_0000_0001)], rf(9_223_373_136_366_403_584.0)),
            (.f32ConvertI64U, [.i64(0x7FFF_FFFF_FFFF_FFFF)], rf(9_223_372_036_854_775_808.0)),
            (.f32ConvertI64U, [.i64(16_777_217)], rf(16_777_216)), (.f32ConvertI64U, [.i64(0)], rf(0)),
            (.f64ConvertI64U, [.i64(.max)], rd(18_446_744_073_709_551_616.0)),
            (.f64ConvertI64U, [.i64(0x8000_0000_0000_0400)], rd(9_223_372_036_854_775_808.0)),
            (.f64ConvertI64U, [.i64(0x8000_0000_0000_0401)], rd(9_223_372_036_854_777_856.0)),
            (.f64ConvertI64U, [.i64(0xFFFF_FFFF_FFFF_FC00)], rd(18_446_744_073_709_551_616.0)),
            (.f64ConvertI64U, [.i64(0xFFFF_FFFF_FFFF_FBFF)], rd(18_446_744_073_709_549_568.0)),
            (.f64ConvertI64U, [.i64(9_007_199_254_740_993)], rd(9_007_199_254_740_992)),
            (.f64ConvertI64U, [.i64(1)], rd(1)),
        ]
        return c
    }

    static func type(of value: Value) -> ValueType {
        switch value {
        case .i32: .i32
        case .i64: .i64
        case .f32: .f32
        default: .f64
        }
    }

    /// The result type: that of the expected value, or for NaN and traps
    /// the one the instruction's name ends its prefix with.
    static func resultType(_ op: NumericOp, _ outcome: Outcome) -> ValueType {
        if case .value(let v) = outcome { return type(of: v) }
        let name = "\(op)"
        return name.hasPrefix("i32")
            ? .i32 : name.hasPrefix("i64") ? .i64 : name.hasPrefix("f32") ? .f32 : .f64
    }

    static func isNaN(_ v: Value) -> Bool {
        switch v {
        case .f32(let b): Float(bitPattern: b).isNaN
        case .f64(let b): Double(bitPattern: b).isNaN
        default: false
        }
    }

    @Test(arguments: [Store.Engine.interpreter, .native])
    func edgeOperandsGiveTheSpecResults(engine: Store.Engine) throws {
        if nativeSkipped(engine) { return }
        // One exported function per instruction (and operand types).
        var functions: [(String, FunctionType, [ValueType], [Instruction])] = []
        var names: [String] = []
        let cases = Self.cases
        for (op, operands, outcome) in cases {
            let name = "\(op)"
            names.append(name)
            if functions.contains(where: { $0.0 == name }) { continue }
            let type = FunctionType(
                parameters: operands.map(Self.type), results: [Self.resultType(op, outcome)])
            let body = (0..<operands.count).map { Instruction.localGet(UInt32($0)) } + [.numeric(op)]
            functions.append((name, type, [], body))
        }
        let instance = try Instance(
            module: makeModule(functions), store: Store(configuration: .init(engine: engine)))
        #expect(cases.count > 150)
        for (k, (op, operands, expected)) in cases.enumerated() {
            let outcome: Outcome
            do {
                let results = try instance.exportedFunction(names[k]).call(operands)
                outcome = results.count == 1 && Self.isNaN(results[0]) ? .nan : .value(results[0])
            } catch let trap as Trap {
                outcome = .trap(trap.reason)
            }
            #expect(outcome == expected, "\(engine): \(op)\(operands)")
        }
    }
}

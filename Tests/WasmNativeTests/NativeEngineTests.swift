import Foundation
import TestSupport
import Testing
import WasmBinary

@testable import WasmInterpreter

let nativeAvailable: Bool = {
    #if arch(x86_64) && os(Linux)
        true
    #else
        false
    #endif
}()

/// True, after printing the skip line, when `engine` is the native tier and
/// this host has none: the both-engine tests then check the interpreter only.
func nativeSkipped(_ engine: Store.Engine) -> Bool {
    guard engine == .native && !nativeAvailable else { return false }
    print("skipped: needs an x86-64 Linux host")
    return true
}

/// Runs `name(arguments)` on a fresh store of each engine; returns both outcomes as text.
func runBoth(_ module: Module, _ name: String, _ arguments: [Value]) -> (String, String) {
    func run(_ engine: Store.Engine) -> String {
        do {
            let instance = try Instance(module: module, store: Store(configuration: .init(engine: engine)))
            return "\(try instance.exportedFunction(name).call(arguments))"
        } catch {
            return "error: \(error)"
        }
    }
    return (run(.interpreter), run(.native))
}

@Suite struct NativeEngineTests {
    let i32i32 = FunctionType(parameters: [.i32, .i32], results: [.i32])
    let i64i64 = FunctionType(parameters: [.i64, .i64], results: [.i64])

    @Test func fibonacciMatchesKnownValues() throws {
        guard nativeAvailable else {
            print("skipped: needs an x86-64 Linux host")
            return
        }
        let module = makeModule([
            ("fib", FunctionType(parameters: [.i64], results: [.i64]), [], fibBody)
        ])
        let instance = try Instance(module: module, store: Store(configuration: .init(engine: .native)))
        let fib = try instance.exportedFunction("fib")
        #expect(try fib(.i64(0)) == [.i64(0)])
        #expect(try fib(.i64(1)) == [.i64(1)])
        #expect(try fib(.i64(20)) == [.i64(6765)])
        #expect(try fib(.i64(30)) == [.i64(832_040)])
    }

    /// Every binary integer operator over operands that hit the edge cases
    /// (zero, -1, the minimum, shifts past the width): both engines agree,
    /// traps included; and a few results are checked against Swift arithmetic.
    @Test func integerOperatorsMatchTheInterpreter() throws {
        guard nativeAvailable else {
            print("skipped: needs an x86-64 Linux host")
            return
        }
        let ops32: [NumericOp] = [
            .i32Add, .i32Sub, .i32Mul, .i32DivS, .i32DivU, .i32RemS, .i32RemU, .i32And, .i32Or, .i32Xor,
            .i32Shl, .i32ShrS, .i32ShrU, .i32Rotl, .i32Rotr, .i32Eq, .i32Ne, .i32LtS, .i32LtU, .i32GtS,
            .i32GtU, .i32LeS, .i32LeU, .i32GeS, .i32GeU,
        ]
        let values32: [UInt32] = [
            0, 1, 2, 31, 32, 33, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 12345, 0xFFFF_FFFE,
        ]
        var compared = 0
        for op in ops32 {
            // Register operands, and the right operand as a constant (the translator's immediate forms).
            let byRegister = makeModule([("f", i32i32, [], [.localGet(0), .localGet(1), .numeric(op)])])
            for x in values32 {
                for y in values32 {
                    let (i, n) = runBoth(byRegister, "f", [.i32(x), .i32(y)])
                    #expect(i == n, "\(op)(\(x), \(y))")
                    let byConstant = makeModule([
                        ("f", i32i32, [], [.localGet(0), .i32Const(Int32(bitPattern: y)), .numeric(op)])
                    ])
                    let (ci, cn) = runBoth(byConstant, "f", [.i32(x), .i32(0)])
                    #expect(ci == cn, "\(op)(\(x), const \(y))")
                    compared += 2
                }
            }
        }
        let ops64: [NumericOp] = [
            .i64Add, .i64Sub, .i64Mul, .i64DivS, .i64DivU, .i64RemS, .i64RemU, .i64And, .i64Or, .i64Xor,
            .i64Shl, .i64ShrS, .i64ShrU, .i64Rotl, .i64Rotr,
            // Compares with constants too wide for an immediate (a scratch-register slip once clobbered the result).
            .i64Eq, .i64Ne, .i64LtS, .i64LtU, .i64GtS, .i64GtU, .i64LeS, .i64LeU, .i64GeS, .i64GeU,
        ]
        let values64: [UInt64] = [
            0, 1, 63, 64, 0x7FFF_FFFF_FFFF_FFFF, 0x8000_0000_0000_0000, .max, 0x1_0000_0001,
        ]
        for op in ops64 {
            for x in values64 {
                for y in values64 {
                    let compare = [
                        .i64Eq, .i64Ne, .i64LtS, .i64LtU, .i64GtS, .i64GtU, .i64LeS, .i64LeU, .i64GeS,
                        .i64GeU,
                    ]
                    .contains(op)
                    let type = compare ? FunctionType(parameters: [.i64, .i64], results: [.i32]) : i64i64
                    let m = makeModule([
                        ("f", type, [], [.localGet(0), .i64Const(Int64(bitPattern: y)), .numeric(op)])
                    ])
                    let (i, n) = runBoth(m, "f", [.i64(x), .i64(0)])
                    #expect(i == n, "\(op)(\(x), const \(y))")
                    compared += 1
                }
            }
        }
        #expect(compared > 6000)
        // Independent expectations: Swift's own arithmetic.
        let div = makeModule([("f", i32i32, [], [.localGet(0), .localGet(1), .numeric(.i32DivS)])])
        let store = Store(configuration: .init(engine: .native))
        let f = try Instance(module: div, store: store).exportedFunction("f")
        #expect(try f(.i32(UInt32(bitPattern: -7)), .i32(2)) == [.i32(UInt32(bitPattern: -7 / 2))])
        #expect(throws: Trap(.integerDivideByZero)) { try f(.i32(1), .i32(0)) }
        #expect(throws: Trap(.integerOverflow)) { try f(.i32(0x8000_0000), .i32(0xFFFF_FFFF)) }
        // The store is usable after a trap.
        #expect(try f(.i32(100), .i32(7)) == [.i32(14)])
    }
}

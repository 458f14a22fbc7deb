import TestSupport
import Testing
import WasmBinary

@testable import WasmInterpreter

// The translator fuses a loop counter's `i32.add` with the conditional branch
// on its result and copies short loop headers to the back edge. These tests
// run such loops against a Swift model of the same loop (wrapping i32
// arithmetic), so a wrong condition, operand order or offset shows up as a
// wrong iteration count, and check the translated shape where it matters.

/// The translated code of defined function `index` of `module`.
func translatedCode(_ module: Module, function index: Int = 0) throws -> [Inst] {
    let instance = try Instance(module: module, store: Store())
    let type = module.types[Int(module.functions[index])]
    let body = module.codes[index]
    let locals = body.locals.reduce(0) { $0 + Int($1.count) }
    var translator = Translator(storage: instance.storage, localCount: type.parameters.count + locals)
    return try translator.translate(body.body, resultCount: type.results.count)
}

/// The i32 comparisons, with their meaning on (left, right).
let comparisons: [(NumericOp, @Sendable (UInt32, UInt32) -> Bool)] = [
    (.i32Eq, { $0 == $1 }), (.i32Ne, { $0 != $1 }),
    (.i32LtS, { Int32(bitPattern: $0) < Int32(bitPattern: $1) }), (.i32LtU, { $0 < $1 }),
    (.i32GtS, { Int32(bitPattern: $0) > Int32(bitPattern: $1) }), (.i32GtU, { $0 > $1 }),
    (.i32LeS, { Int32(bitPattern: $0) <= Int32(bitPattern: $1) }), (.i32LeU, { $0 <= $1 }),
    (.i32GeS, { Int32(bitPattern: $0) >= Int32(bitPattern: $1) }), (.i32GeU, { $0 >= $1 }),
]

/// How the loop's condition names the counter and the bound.
enum BoundForm: CaseIterable {
    case counterLeft, counterRight, constantRight
}

/// `loop { if count == 50 break; count += 1; i += step; br_if loop (cmp i n) }`
/// (params: i, n; local: count), returning `count | i << 32`.
func countedLoop(_ op: NumericOp, step: Int32, form: BoundForm, constant: Int32) -> [Instruction] {
    var condition: [Instruction]
    let increment: [Instruction] = [.localGet(0), .i32Const(step), .numeric(.i32Add), .localTee(0)]
    switch form {
    case .counterLeft: condition = increment + [.localGet(1)]
    case .counterRight: condition = [.localGet(1)] + increment
    case .constantRight: condition = increment + [.i32Const(constant)]
    }
    return [
        .block(.empty),
        .loop(.empty),
        .localGet(2), .i32Const(50), .numeric(.i32Eq), .brIf(depth: 1),
        .localGet(2), .i32Const(1), .numeric(.i32Add), .localSet(2),
    ] + condition + [
        .numeric(op), .brIf(depth: 0),
        .end,
        .end,
        .localGet(2), .numeric(.i64ExtendI32U), .localGet(0), .numeric(.i64ExtendI32U), .i64Const(32),
        .numeric(.i64Shl), .numeric(.i64Or),
    ]
}

/// The same loop in Swift: the iteration count and the final counter, packed.
func countedLoopModel(
    _ compare: (UInt32, UInt32) -> Bool, i start: UInt32, n: UInt32, step: Int32, form: BoundForm,
    constant: Int32
) -> UInt64 {
    var i = start
    var count: UInt32 = 0
    while count != 50 {
        count += 1
        i = i &+ UInt32(bitPattern: step)
        let taken: Bool
        switch form {
        case .counterLeft: taken = compare(i, n)
        case .counterRight: taken = compare(n, i)
        case .constantRight: taken = compare(i, UInt32(bitPattern: constant))
        }
        if !taken { break }
    }
    return UInt64(count) | UInt64(i) << 32
}

@Test func countedLoopBackEdgesAgreeWithTheModelForEveryComparison() throws {
    let starts: [UInt32] = [0, 5, 0x7FFF_FFF0, 0xFFFF_FFF0, 0x8000_0005]
    let bounds: [UInt32] = [10, 0, 0x7FFF_FFFF, 0x8000_0002, 0xFFFF_FFFF]
    for (op, compare) in comparisons {
        for form in BoundForm.allCases {
            for step: Int32 in [1, -1, 3, -32768, 32767] {
                let constant: Int32 = 12
                let module = makeModule([
                    (
                        "f", FunctionType(parameters: [.i32, .i32], results: [.i64]), [.i32],
                        countedLoop(op, step: step, form: form, constant: constant)
                    )
                ])
                let f = try Instance(module: module, store: Store()).exportedFunction("f")
                for start in starts {
                    for n in bounds {
                        let expected = countedLoopModel(
                            compare, i: start, n: n, step: step, form: form, constant: constant)
                        let got = try f(.i32(start), .i32(n))
                        #expect(
                            got == [.i64(expected)],
                            "\(op) \(form) step \(step) start \(start) n \(n)")
                    }
                }
            }
        }
    }
}

@Test func countedLoopBackEdgeIsOneInstruction() throws {
    let module = makeModule([
        (
            "f", FunctionType(parameters: [.i32, .i32], results: [.i64]), [.i32],
            countedLoop(.i32LtU, step: 1, form: .counterLeft, constant: 0)
        )
    ])
    let code = try translatedCode(module)
    #expect(code.contains { $0.op == .i32AddImmBrIfLtU })
    #expect(!code.contains { $0.op == .brIfI32LtU })
}

@Test func counterTestedForNonZeroFusesAndCountsDown() throws {
    // i = n; loop { sum += i; br_if loop (i -= 1) }: the sum of 1...n.
    let body: [Instruction] = [
        .loop(.empty),
        .localGet(1), .localGet(0), .numeric(.i32Add), .localSet(1),
        .localGet(0), .i32Const(-1), .numeric(.i32Add), .localTee(0), .brIf(depth: 0),
        .end,
        .localGet(1),
    ]
    let module = makeModule([("f", FunctionType(parameters: [.i32], results: [.i32]), [.i32], body)])
    #expect(try translatedCode(module).contains { $0.op == .i32AddImmBrIfNeImm })
    let f = try Instance(module: module, store: Store()).exportedFunction("f")
    #expect(try f(.i32(100)) == [.i32(5050)])
    #expect(try f(.i32(1)) == [.i32(1)])
}

@Test func incrementIsNotFusedWithABranchThatIsItselfABranchTarget() throws {
    // loop { block { i += 1; br_if block (skip); i += 10 } br_if loop (i < n) }
    // The `br_if block` lands on the loop test, so the `i += 10` before the
    // block's end must stay a separate instruction: with skip = 1 the loop
    // counts to n one by one.
    let body: [Instruction] = [
        .loop(.empty),
        .block(.empty),
        .localGet(0), .i32Const(1), .numeric(.i32Add), .localSet(0),
        .localGet(2), .brIf(depth: 0),
        .localGet(0), .i32Const(10), .numeric(.i32Add), .localSet(0),
        .end,
        .localGet(0), .localGet(1), .numeric(.i32LtU), .brIf(depth: 0),
        .end,
        .localGet(0),
    ]
    let module = makeModule([
        ("f", FunctionType(parameters: [.i32, .i32, .i32], results: [.i32]), [], body)
    ])
    let f = try Instance(module: module, store: Store()).exportedFunction("f")
    #expect(try f(.i32(0), .i32(7), .i32(1)) == [.i32(7)])
    #expect(try f(.i32(0), .i32(7), .i32(0)) == [.i32(11)])
    #expect(!(try translatedCode(module).contains { $0.op == .i32AddImmBrIfLtU }))
}

@Test func whileLoopWithComputedBoundIsRotatedAndCountsCorrectly() throws {
    // i = 0; loop { br_if exit (i >=u n + 3); sum += i; i += 1; br loop }:
    // the header (an add and the test) is copied to the back edge.
    let body: [Instruction] = [
        .block(.empty),
        .loop(.empty),
        .localGet(1), .localGet(0), .i32Const(3), .numeric(.i32Add), .numeric(.i32GeU), .brIf(depth: 1),
        .localGet(2), .localGet(1), .numeric(.i32Add), .localSet(2),
        .localGet(1), .i32Const(1), .numeric(.i32Add), .localSet(1),
        .br(depth: 0),
        .end,
        .end,
        .localGet(2),
    ]
    let module = makeModule([("f", FunctionType(parameters: [.i32], results: [.i32]), [.i32, .i32], body)])
    let code = try translatedCode(module)
    // One unconditional branch (the exit after the rotated test), none back to the header.
    #expect(code.filter { $0.op == .br }.count == 1)
    let f = try Instance(module: module, store: Store()).exportedFunction("f")
    for n: UInt32 in [0, 1, 10, 1000] {
        let count = n + 3
        #expect(try f(.i32(n)) == [.i32(count * (count - 1) / 2)])
    }
    // n + 3 wraps to 1: one iteration.
    #expect(try f(.i32(0xFFFF_FFFE)) == [.i32(0)])
}

@Test func subtractingAConstantFusesLikeAddingItsNegation() throws {
    // i = n; loop { i -= 1; br_if loop (i != 0) }: `i32.sub` by a constant
    // becomes an add of -1, so the back edge is one increment-and-branch.
    let body: [Instruction] = [
        .loop(.empty),
        .localGet(0), .i32Const(1), .numeric(.i32Sub), .localTee(0), .brIf(depth: 0),
        .end,
        .localGet(0), .numeric(.i64ExtendI32U), .i64Const(5), .numeric(.i64Sub),
    ]
    let module = makeModule([("f", FunctionType(parameters: [.i32], results: [.i64]), [], body)])
    #expect(try translatedCode(module).contains { $0.op == .i32AddImmBrIfNeImm })
    let f = try Instance(module: module, store: Store()).exportedFunction("f")
    // The loop ends with i = 0; the i64 subtraction 0 - 5 (also an add of -5) wraps.
    #expect(try f(.i32(7)) == [.i64(UInt64(bitPattern: -5))])
}

/// The i64 comparisons, with their meaning on (left, right).
let comparisons64: [(NumericOp, @Sendable (UInt64, UInt64) -> Bool)] = [
    (.i64Eq, { $0 == $1 }), (.i64Ne, { $0 != $1 }),
    (.i64LtS, { Int64(bitPattern: $0) < Int64(bitPattern: $1) }), (.i64LtU, { $0 < $1 }),
    (.i64GtS, { Int64(bitPattern: $0) > Int64(bitPattern: $1) }), (.i64GtU, { $0 > $1 }),
    (.i64LeS, { Int64(bitPattern: $0) <= Int64(bitPattern: $1) }), (.i64LeU, { $0 <= $1 }),
    (.i64GeS, { Int64(bitPattern: $0) >= Int64(bitPattern: $1) }), (.i64GeU, { $0 >= $1 }),
]

/// `(if (cmp x K) 10 20) + (block (br_if 0 (cmp x K) 1) 2)`: the same
/// comparison with a constant as an `if` (negated branch) and a `br_if`.
func compareWithConstant(_ op: NumericOp, _ constant: Instruction) -> [Instruction] {
    let result: ValueType = .i32
    return [
        .localGet(0), constant, .numeric(op),
        .if(.value(result)), .i32Const(10), .else, .i32Const(20), .end,
        .block(.value(result)), .i32Const(1), .localGet(0), constant, .numeric(op), .brIf(depth: 0),
        .drop, .i32Const(2), .end,
        .numeric(.i32Add),
    ]
}

@Test func branchesOnComparisonsWithConstantsAgreeWithTheModel() throws {
    let constants32: [UInt32] = [0, 1, 5, 0x7FFF_FFFE, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFE, 0xFFFF_FFFF]
    let values32: [UInt32] = constants32 + [2, 6, 4, 0x8000_0001]
    for (op, compare) in comparisons {
        for k in constants32 {
            let body = compareWithConstant(op, .i32Const(Int32(bitPattern: k)))
            let module = makeModule([("f", FunctionType(parameters: [.i32], results: [.i32]), [], body)])
            let f = try Instance(module: module, store: Store()).exportedFunction("f")
            for x in values32 {
                let expected: UInt32 = compare(x, k) ? 11 : 22
                #expect(try f(.i32(x)) == [.i32(expected)], "\(op) x \(x) k \(k)")
            }
        }
    }
    let constants64: [UInt64] = [
        0, 1, 5, 0x7FFF_FFFE, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, UInt64(Int64.max), 1 << 63,
        UInt64.max - 1, UInt64.max, UInt64(bitPattern: Int64(Int32.min)),
        UInt64(bitPattern: Int64(Int32.min) - 1),
    ]
    let values64: [UInt64] = constants64 + [2, 6, 0x1_0000_0000]
    for (op, compare) in comparisons64 {
        for k in constants64 {
            let body = compareWithConstant(op, .i64Const(Int64(bitPattern: k)))
            let module = makeModule([("f", FunctionType(parameters: [.i64], results: [.i32]), [], body)])
            let f = try Instance(module: module, store: Store()).exportedFunction("f")
            for x in values64 {
                let expected: UInt32 = compare(x, k) ? 11 : 22
                #expect(try f(.i64(x)) == [.i32(expected)], "\(op) x \(x) k \(k)")
            }
        }
    }
}

@Test func greaterThanAConstantBranchesInOneInstruction() throws {
    let body = compareWithConstant(.i32GtS, .i32Const(5))
    let module = makeModule([("f", FunctionType(parameters: [.i32], results: [.i32]), [], body)])
    let code = try translatedCode(module)
    #expect(!code.contains { $0.op == .i32GeSImm || $0.op == .i32GtS })
    #expect(code.contains { $0.op == .brIfI32GeSImm && $0.c == 6 })
}

@Test func rewrittenImmediateFormsComputeTheOriginalOperators() throws {
    // Values (not branches) of comparisons with constants, and sub/rotr by a
    // constant, which the translator rewrites into other immediate forms.
    let constants: [UInt32] = [0, 1, 5, 31, 32, 33, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF]
    let values: [UInt32] = constants + [4, 6, 0x1234_5678]
    var ops: [(NumericOp, (UInt32, UInt32) -> UInt32)] = comparisons.map { op, f in
        (op, { f($0, $1) ? 1 : 0 })
    }
    ops.append((.i32Sub, { $0 &- $1 }))
    ops.append((.i32Rotr, { $0 >> ($1 & 31) | $0 << ((32 - $1 & 31) & 31) }))
    ops.append((.i32Rotl, { $0 << ($1 & 31) | $0 >> ((32 - $1 & 31) & 31) }))
    for (op, model) in ops {
        for k in constants {
            let body: [Instruction] = [.localGet(0), .i32Const(Int32(bitPattern: k)), .numeric(op)]
            let module = makeModule([("f", FunctionType(parameters: [.i32], results: [.i32]), [], body)])
            let f = try Instance(module: module, store: Store()).exportedFunction("f")
            for x in values {
                #expect(try f(.i32(x)) == [.i32(model(x, k))], "\(op) x \(x) k \(k)")
            }
        }
    }
    let constants64: [UInt64] = [0, 1, 63, 64, 65, UInt64(Int64.max), 1 << 63, UInt64.max]
    let values64: [UInt64] = constants64 + [2, 0x1234_5678_9ABC_DEF0]
    var ops64: [(NumericOp, (UInt64, UInt64) -> UInt64)] = comparisons64.map { op, f in
        (op, { f($0, $1) ? 1 : 0 })
    }
    ops64.append((.i64Sub, { $0 &- $1 }))
    ops64.append((.i64Rotr, { $0 >> ($1 & 63) | $0 << ((64 - $1 & 63) & 63) }))
    for (op, model) in ops64 {
        for k in constants64 {
            let body: [Instruction] = [.localGet(0), .i64Const(Int64(bitPattern: k)), .numeric(op)]
            let result: ValueType = [.i64Sub, .i64Rotr].contains(op) ? .i64 : .i32
            let module = makeModule([("f", FunctionType(parameters: [.i64], results: [result]), [], body)])
            let f = try Instance(module: module, store: Store()).exportedFunction("f")
            for x in values64 {
                let expected: Value = result == .i64 ? .i64(model(x, k)) : .i32(UInt32(model(x, k)))
                #expect(try f(.i64(x)) == [expected], "\(op) x \(x) k \(k)")
            }
        }
    }
}

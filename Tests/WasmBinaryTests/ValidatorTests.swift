// Validator unit tests on hand-built modules. Each case states the expected
// verdict (and reason); when wabt's `wasm-validate` is installed, every case
// is also encoded and checked against it, so the expectations do not rest on
// our reading of the spec alone.

import Foundation
import TestSupport
import Testing
import WasmBinary

/// One hand-built module and what the validator must say about it.
struct ValidationCase: Sendable, CustomStringConvertible {
    var name: String
    var module: Module
    /// `nil` when the module is valid.
    var reason: ValidationError.Reason?
    /// Text the error description must contain (location or detail).
    var mentions: String?
    /// Extra `wasm-validate` flags.
    var flags: [String] = []
    /// Why wabt 1.0.32's validator is not a reference for this case, if it is not.
    var wabtGap: String?

    var description: String { name }
}

private func function(
    _ body: [Instruction], params: [ValueType] = [], results: [ValueType] = [], locals: [LocalGroup] = [],
    setUp: (inout Module) -> Void = { _ in }
) -> Module {
    var module = Module()
    setUp(&module)
    _ = module.addFunction(
        type: FunctionType(parameters: params, results: results),
        body: FunctionBody(locals: locals, body: body))
    return module
}

private func withMemory(_ limits: Limits) -> (inout Module) -> Void {
    { $0.memories.append(limits) }
}

private let cases: [ValidationCase] = [
    ValidationCase(
        name: "addition of two parameters",
        module: function(
            [.localGet(0), .localGet(1), .numeric(.i32Add), .end],
            params: [.i32, .i32], results: [.i32]), reason: nil),
    ValidationCase(
        name: "i32.add of an f32",
        module: function(
            [.i32Const(1), .f32Const(bits: 0), .numeric(.i32Add), .end],
            results: [.i32]), reason: .typeMismatch, mentions: "function 0, instruction 2"),
    ValidationCase(
        name: "missing result", module: function([.end], results: [.i32]), reason: .typeMismatch),
    ValidationCase(
        name: "extra value at the end", module: function([.i32Const(1), .end]), reason: .typeMismatch),
    ValidationCase(
        name: "unreachable makes the stack polymorphic",
        module: function([.unreachable, .numeric(.i32Add), .numeric(.i64ExtendI32U), .end], results: [.i64]),
        reason: nil),
    ValidationCase(
        name: "polymorphic stack still checks known operands",
        module: function([.unreachable, .f32Const(bits: 0), .numeric(.i32Add), .drop, .end]),
        reason: .typeMismatch),
    ValidationCase(
        name: "local indices span parameters and local groups",
        module: function(
            [
                .localGet(0), .drop, .localGet(2), .drop, .localGet(3), .drop, .localGet(5),
                .numeric(.f32Neg), .drop, .end,
            ],
            params: [.i32], locals: [LocalGroup(count: 2, type: .i64), LocalGroup(count: 3, type: .f32)]),
        reason: nil),
    ValidationCase(
        name: "local group boundary types",
        module: function(
            [.localGet(2), .numeric(.f32Neg), .drop, .end],
            params: [.i32], locals: [LocalGroup(count: 2, type: .i64), LocalGroup(count: 3, type: .f32)]),
        reason: .typeMismatch),
    ValidationCase(
        name: "unknown local 6",
        module: function(
            [.localGet(6), .drop, .end], params: [.i32],
            locals: [LocalGroup(count: 2, type: .i64), LocalGroup(count: 3, type: .f32)]),
        reason: .unknownLocal, mentions: "local 6"),
    ValidationCase(
        name: "multi-value block with parameters",
        module: function(
            [
                .i32Const(1), .i64Const(2), .block(.typeIndex(1)), .drop, .numeric(.i64ExtendI32U), .end,
                .drop, .end,
            ],
            setUp: { $0.types = [FunctionType(), FunctionType(parameters: [.i32, .i64], results: [.i64])] }),
        reason: nil),
    ValidationCase(
        name: "block type index out of range", module: function([.block(.typeIndex(7)), .end, .end]),
        reason: .unknownType),
    ValidationCase(
        name: "br to an unknown label", module: function([.block(.empty), .br(depth: 2), .end, .end]),
        reason: .unknownLabel),
    ValidationCase(
        name: "br_table targets of different arity",
        module: function(
            [
                .block(.value(.i32)), .block(.empty), .i32Const(0), .i32Const(0),
                .brTable(targets: [0], defaultTarget: 1),
                .end, .i32Const(1), .end, .drop, .end,
            ]),
        reason: .typeMismatch),
    ValidationCase(
        name: "br_table with matching targets",
        module: function(
            [
                .block(.value(.i32)), .block(.value(.i32)), .i32Const(0), .i32Const(0),
                .brTable(targets: [0, 1], defaultTarget: 1), .end, .end, .end,
            ],
            results: [.i32]),
        reason: nil),
    ValidationCase(
        name: "loop label takes the loop's parameters",
        module: function(
            [.i32Const(0), .loop(.typeIndex(1)), .br(depth: 0), .end, .end],
            setUp: { $0.types = [FunctionType(), FunctionType(parameters: [.i32], results: [])] }),
        reason: nil),
    ValidationCase(
        name: "if without else must not change the types",
        module: function([.i32Const(1), .if(.value(.i32)), .i32Const(2), .end, .drop, .end]),
        reason: .typeMismatch),
    ValidationCase(
        name: "if without else passing its parameter through",
        module: function(
            [.i32Const(5), .i32Const(1), .if(.typeIndex(1)), .end, .drop, .end],
            setUp: { $0.types = [FunctionType(), FunctionType(parameters: [.i32], results: [.i32])] }),
        reason: nil),
    ValidationCase(
        name: "else outside an if", module: function([.block(.empty), .else, .end, .end]),
        reason: .unexpectedEnd),
    ValidationCase(
        name: "untyped select of references",
        module: function([.refNull(.funcref), .refNull(.funcref), .i32Const(1), .select, .drop, .end]),
        reason: .typeMismatch),
    ValidationCase(
        name: "typed select of references",
        module: function([
            .refNull(.funcref), .refNull(.funcref), .i32Const(1), .selectTyped([.funcref]), .drop, .end,
        ]),
        reason: nil),
    ValidationCase(
        name: "select of different numeric types",
        module: function([.i32Const(1), .i64Const(1), .i32Const(1), .select, .drop, .end]),
        reason: .typeMismatch),
    ValidationCase(
        name: "global.set of an immutable global",
        module: function(
            [.i32Const(1), .globalSet(0), .end],
            setUp: {
                _ = $0.addGlobal(
                    GlobalType(valueType: .i32, isMutable: false), initializer: [.i32Const(0), .end])
            }),
        reason: .globalIsImmutable),
    ValidationCase(
        name: "ref.func of an undeclared function", module: function([.refFunc(0), .drop, .end]),
        reason: .undeclaredFunctionReference),
    ValidationCase(
        name: "ref.func of an exported function",
        module: function(
            [.refFunc(0), .drop, .end], setUp: { $0.exports = [Export(name: "f", descriptor: .function(0))] }),
        reason: nil),
    ValidationCase(
        name: "ref.func declared by a declarative segment",
        module: function(
            [.refFunc(0), .drop, .end],
            setUp: {
                $0.elements = [
                    ElementSegment(mode: .declarative, type: .funcref, initializers: .functionIndices([0]))
                ]
            }),
        reason: nil),
    ValidationCase(
        name: "load without a memory",
        module: function([.i32Const(0), .load(.i32Load, MemArg(align: 2, offset: 0)), .drop, .end]),
        reason: .unknownMemory),
    ValidationCase(
        name: "load aligned beyond its width",
        module: function(
            [.i32Const(0), .load(.i32Load16S, MemArg(align: 2, offset: 0)), .drop, .end],
            setUp: withMemory(Limits(min: 1))),
        reason: .alignmentTooLarge),
    ValidationCase(
        name: "memory64 addresses are i64",
        module: function(
            [
                .i64Const(0), .load(.i64Load, MemArg(align: 3, offset: 1 << 40)), .drop, .memorySize(0),
                .memoryGrow(0),
                .drop, .i64Const(0), .i32Const(0), .i64Const(1), .memoryFill(0), .end,
            ],
            setUp: withMemory(Limits(min: 1, is64: true))),
        reason: nil, flags: ["--enable-memory64"]),
    ValidationCase(
        name: "memory64 rejects an i32 address",
        module: function(
            [.i32Const(0), .load(.i64Load, MemArg(align: 3, offset: 0)), .drop, .end],
            setUp: withMemory(Limits(min: 1, is64: true))),
        reason: .typeMismatch, flags: ["--enable-memory64"]),
    ValidationCase(
        name: "atomic access alignment must be natural",
        module: function(
            [.i32Const(0), .atomic(.i32AtomicLoad, MemArg(align: 1, offset: 0)), .drop, .end],
            setUp: withMemory(Limits(min: 1, max: 1, isShared: true))),
        reason: .atomicAlignment, flags: ["--enable-threads"]),
    ValidationCase(
        name: "atomics on an unshared memory",
        module: function(
            [
                .i32Const(0), .i64Const(1), .i64Const(2),
                .atomic(.i64AtomicRmwCmpxchg, MemArg(align: 3, offset: 0)), .drop,
                .i32Const(0), .i32Const(1), .i64Const(-1), .atomicWait32(MemArg(align: 2, offset: 0)), .drop,
                .atomicFence,
                .end,
            ],
            setUp: withMemory(Limits(min: 1, max: 1))),
        reason: nil, flags: ["--enable-threads"]),
    ValidationCase(
        name: "memory above 65536 pages", module: function([.end], setUp: withMemory(Limits(min: 65537))),
        reason: .memorySizeTooLarge),
    ValidationCase(
        name: "memory64 above 65536 pages",
        module: function([.end], setUp: withMemory(Limits(min: 65537, is64: true))),
        reason: nil, flags: ["--enable-memory64"]),
    ValidationCase(
        name: "memory minimum above maximum",
        module: function([.end], setUp: withMemory(Limits(min: 2, max: 1))),
        reason: .minimumGreaterThanMaximum),
    ValidationCase(
        name: "two memories",
        module: function([.end], setUp: { $0.memories = [Limits(min: 1), Limits(min: 1)] }),
        reason: .multipleMemories),
    ValidationCase(
        name: "two tables",
        module: function(
            [.i32Const(0), .tableGet(1), .drop, .end],
            setUp: {
                $0.tables = [
                    TableType(elementType: .funcref, limits: Limits(min: 1)),
                    TableType(elementType: .externref, limits: Limits(min: 1)),
                ]
            }),
        reason: nil),
    ValidationCase(
        name: "duplicate export names",
        module: function(
            [.end],
            setUp: {
                $0.exports = [
                    Export(name: "a", descriptor: .function(0)), Export(name: "a", descriptor: .function(0)),
                ]
            }),
        reason: .duplicateExportName),
    ValidationCase(
        name: "canonically equivalent export names are distinct",
        module: function(
            [.end],
            setUp: {
                $0.exports = [
                    Export(name: "\u{E9}", descriptor: .function(0)),
                    Export(name: "e\u{301}", descriptor: .function(0)),
                ]
            }),
        reason: nil),
    ValidationCase(
        name: "start function with a parameter",
        module: function([.end], params: [.i32], setUp: { $0.start = 0 }), reason: .startFunction),
    ValidationCase(
        name: "global initialiser reading a defined global",
        module: function(
            [.end],
            setUp: {
                _ = $0.addGlobal(
                    GlobalType(valueType: .i32, isMutable: false), initializer: [.i32Const(0), .end])
                _ = $0.addGlobal(
                    GlobalType(valueType: .i32, isMutable: false), initializer: [.globalGet(0), .end])
            }),
        reason: .unknownGlobal),
    ValidationCase(
        name: "global initialiser reading an imported mutable global",
        module: function(
            [.end],
            setUp: {
                _ = $0.addImport(
                    module: "m", name: "g", .global(GlobalType(valueType: .i32, isMutable: true)))
                _ = $0.addGlobal(
                    GlobalType(valueType: .i32, isMutable: false), initializer: [.globalGet(0), .end])
            }),
        reason: .constantExpressionRequired),
    ValidationCase(
        name: "arithmetic in a global initialiser",
        module: function(
            [.end],
            setUp: {
                _ = $0.addGlobal(
                    GlobalType(valueType: .i32, isMutable: false),
                    initializer: [.i32Const(1), .i32Const(2), .numeric(.i32Add), .end])
            }),
        reason: .constantExpressionRequired),
    ValidationCase(
        name: "data segment offset of the wrong type",
        module: function(
            [.end],
            setUp: {
                $0.memories = [Limits(min: 1)]
                $0.data = [
                    DataSegment(mode: .active(memoryIndex: 0, offset: [.i64Const(0), .end]), bytes: [1])
                ]
            }),
        reason: .typeMismatch),
    ValidationCase(
        name: "element segment into a table of another type",
        module: function(
            [.end],
            setUp: {
                $0.tables = [TableType(elementType: .externref, limits: Limits(min: 1))]
                $0.elements = [
                    ElementSegment(
                        mode: .active(tableIndex: 0, offset: [.i32Const(0), .end]), type: .funcref,
                        initializers: .functionIndices([0]), hasExplicitTableIndex: true)
                ]
            }),
        reason: .typeMismatch),
    ValidationCase(
        name: "memory.init of an unknown data segment",
        module: function(
            [.i32Const(0), .i32Const(0), .i32Const(0), .memoryInit(dataIndex: 1, memoryIndex: 0), .end],
            setUp: {
                $0.memories = [Limits(min: 1)]
                $0.dataCount = 1
                $0.data = [DataSegment(mode: .passive, bytes: [])]
            }),
        reason: .unknownDataSegment),
    ValidationCase(
        name: "table.copy between tables of different types",
        module: function(
            [.i32Const(0), .i32Const(0), .i32Const(0), .tableCopy(destination: 0, source: 1), .end],
            setUp: {
                $0.tables = [
                    TableType(elementType: .funcref, limits: Limits(min: 1)),
                    TableType(elementType: .externref, limits: Limits(min: 1)),
                ]
            }),
        reason: .typeMismatch),
    ValidationCase(
        name: "call_indirect through an externref table",
        module: function(
            [.i32Const(0), .callIndirect(typeIndex: 0, tableIndex: 0), .end],
            setUp: { $0.tables = [TableType(elementType: .externref, limits: Limits(min: 1))] }),
        reason: .typeMismatch,
        wabtGap:
            "wabt 1.0.32 does not check that call_indirect's table holds funcref, which the core spec requires"
    ),
    ValidationCase(
        name: "saturating truncation and sign extension",
        module: function(
            [.f64Const(bits: 0), .numeric(.i64TruncSatF64U), .numeric(.i64Extend32S), .drop, .end]),
        reason: nil),
]

@Suite struct ValidatorTests {
    @Test(arguments: cases)
    func validatorVerdict(_ testCase: ValidationCase) throws {
        do {
            try testCase.module.validate()
            #expect(
                testCase.reason == nil, "\(testCase): validated, expected \(testCase.reason?.specText ?? "")")
        } catch {
            #expect(error.reason == testCase.reason, "\(testCase): \(error)")
            if let mentions = testCase.mentions {
                #expect(error.description.contains(mentions), "\(error) should mention \(mentions)")
            }
        }
    }

    /// wabt's validator is the independent reference for every case above.
    @Test func verdictsAgreeWithWasmValidate() throws {
        guard let tool = ExternalTool.findOrSkip("wasm-validate") else { return }
        let directory = try ExternalTool.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        for (i, testCase) in cases.enumerated() where testCase.wabtGap == nil {
            let path = directory.appendingPathComponent("\(i).wasm").path
            try Data(testCase.module.encoded()).write(to: URL(fileURLWithPath: path))
            let toolRun = try ExternalTool.run(tool, testCase.flags + [path])
            let (status, output) = (toolRun.status, toolRun.text)
            #expect((status == 0) == (testCase.reason == nil), "\(testCase): wasm-validate says \(output)")
        }
    }

    @Test func errorDescriptionNamesTheFunctionInstructionAndProblem() {
        var module = Module()
        _ = module.addImportedFunction(module: "m", name: "f", type: FunctionType())
        _ = module.addFunction(
            type: FunctionType(), body: FunctionBody(body: [.nop, .localGet(5), .drop, .end]))
        #expect(throws: ValidationError.self) { try module.validate() }
        do {
            try module.validate()
        } catch {
            #expect(error.location == .function(index: 1, instruction: 1))
            #expect(
                error.description
                    == "invalid module: function 1, instruction 1: unknown local: local.get: local 5")
        }
    }

    @Test func emptyOffsetExpressionIsATypeMismatch() {
        var module = Module()
        module.memories = [Limits(min: 1)]
        module.data = [DataSegment(mode: .active(memoryIndex: 0, offset: [.end]), bytes: [])]
        #expect(
            throws: ValidationError(.typeMismatch, at: .data(0), "the expression gives [], expected [i32]")
        ) {
            try module.validate()
        }
    }

    /// Deeply nested blocks and long straight-line code validate in linear time
    /// and without recursion.
    @Test func deepNestingValidates() throws {
        let depth = 50_000
        var body = [Instruction](repeating: .block(.empty), count: depth)
        body += [Instruction](repeating: .end, count: depth + 1)
        var module = Module()
        _ = module.addFunction(type: FunctionType(), body: FunctionBody(body: body))
        try module.validate()
    }
}

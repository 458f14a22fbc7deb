import Foundation
import TestSupport
import Testing
import WasmBinary

@testable import WasmInterpreter

@Test func branchTableSelectsTargetsAndCarriesValues() throws {
    // Index 0 leaves the innermost block (returns 100); any other index leaves the
    // middle one, pushes 200 into the result block, which is dropped for 300.
    let body: [Instruction] = [
        .block(.value(.i32)),
        .block(.empty),
        .block(.empty),
        .localGet(0), .brTable(targets: [0, 1], defaultTarget: 1),
        .end,
        .i32Const(100), .return,
        .end,
        .i32Const(200), .br(depth: 0),
        .end,
        .drop, .i32Const(300),
    ]
    let module = makeModule([("f", FunctionType(parameters: [.i32], results: [.i32]), [], body)])
    let instance = try Instance(module: module, store: Store())
    #expect(try instance.call("f", [.i32(0)]) == [.i32(100)])
    #expect(try instance.call("f", [.i32(1)]) == [.i32(300)])
    #expect(try instance.call("f", [.i32(7)]) == [.i32(300)])
}

@Test func multiValueBlockReturnsBothValuesInOrder() throws {
    var module = makeModule([])
    module.types = [
        FunctionType(parameters: [.i32], results: [.i32, .i64]),
        FunctionType(parameters: [.i32], results: [.i32, .i64]),
    ]
    module.functions = [0]
    module.codes = [
        FunctionBody(body: [
            .localGet(0),
            .block(.typeIndex(1)),
            .i64Const(7), .localGet(0), .brIf(depth: 0), .drop, .i64Const(9),
            .end,
            .end,
        ])
    ]
    module.exports = [Export(name: "f", descriptor: .function(0))]
    let instance = try Instance(module: module, store: Store())
    #expect(try instance.call("f", [.i32(1)]) == [.i32(1), .i64(7)])
    #expect(try instance.call("f", [.i32(0)]) == [.i32(0), .i64(9)])
}

@Test func callIndirectChecksSignaturesAndNulls() throws {
    var module = Module()
    module.types = [FunctionType(results: [.i32]), FunctionType(parameters: [.i32], results: [.i32])]
    module.functions = [0, 1]
    module.codes = [
        FunctionBody(body: [.i32Const(42), .end]),
        FunctionBody(body: [.localGet(0), .callIndirect(typeIndex: 0, tableIndex: 0), .end]),
    ]
    module.tables = [TableType(elementType: .funcref, limits: Limits(min: 3))]
    module.elements = [
        ElementSegment(
            mode: .active(tableIndex: 0, offset: [.i32Const(0), .end]), type: .funcref,
            initializers: .functionIndices([0, 1]))
    ]
    module.exports = [Export(name: "call", descriptor: .function(1))]
    let instance = try Instance(module: module, store: Store())
    #expect(try instance.call("call", [.i32(0)]) == [.i32(42)])
    #expect(throws: Trap(.indirectCallTypeMismatch)) { try instance.call("call", [.i32(1)]) }
    #expect(throws: Trap(.uninitializedElement)) { try instance.call("call", [.i32(2)]) }
    #expect(throws: Trap(.undefinedElement)) { try instance.call("call", [.i32(3)]) }
}

@Test func hostFunctionCanReenterWasm() throws {
    let store = Store()
    var inner: Function?
    let host = Function(store: store, type: FunctionType(parameters: [.i64], results: [.i64])) { _, args in
        guard case .i64(let n) = args[0], let inner else { return [.i64(0)] }
        return try inner.call([.i64(n &* 10)])
    }
    var imports = Imports()
    imports.define(module: "env", name: "host", .function(host))
    let module = makeModule(
        [
            (
                "outer", FunctionType(parameters: [.i64], results: [.i64]), [],
                [.localGet(0), .call(functionIndex: 0), .i64Const(1), .numeric(.i64Add)]
            ),
            (
                "inner", FunctionType(parameters: [.i64], results: [.i64]), [],
                [.localGet(0), .i64Const(5), .numeric(.i64Add)]
            ),
        ],
        imports: [Import(module: "env", name: "host", descriptor: .function(typeIndex: 0))],
        types: [FunctionType(parameters: [.i64], results: [.i64])])
    let instance = try Instance(module: module, store: store, imports: imports)
    inner = try instance.exportedFunction("inner")
    #expect(try instance.call("outer", [.i64(3)]) == [.i64(36)])
}

@Test func localSetRetargetingKeepsOldValueForPendingReads() throws {
    // local.get 0; (local.set 0 (i32.add (local.get 0) (i32.const 1))); local.get 0; i32.sub -> old - new = -1
    let body: [Instruction] = [
        .localGet(0),
        .localGet(0), .i32Const(1), .numeric(.i32Add), .localSet(0),
        .localGet(0), .numeric(.i32Sub),
    ]
    let module = makeModule([("f", FunctionType(parameters: [.i32], results: [.i32]), [], body)])
    let instance = try Instance(module: module, store: Store())
    #expect(try instance.call("f", [.i32(5)]) == [Value(Int32(-1))])
}

@Test func wrongArgumentsAreAnInvocationError() throws {
    let module = makeModule([("f", FunctionType(parameters: [.i32], results: []), [], [])])
    let instance = try Instance(module: module, store: Store())
    let wrongType = #expect(throws: InvocationError.self) { try instance.call("f", [.i64(1)]) }
    #expect(wrongType?.reason == .argumentType)
    let tooFew = #expect(throws: InvocationError.self) { try instance.call("f", []) }
    #expect(tooFew?.reason == .argumentCount)
    let missing = #expect(throws: InvocationError.self) { try instance.call("missing", []) }
    #expect(missing?.reason == .unknownExport)
    // The message names what the module does export, so a misspelt name is found.
    #expect(missing?.message.contains("\"f\"") == true)
}

@Test func unboundedHostReentryTrapsInsteadOfOverflowingTheStack() throws {
    let store = Store(configuration: .init(maximumHostReentry: 50))
    var wasm: Function?
    let host = Function(store: store, type: FunctionType()) { _, _ in
        guard let wasm else { return [] }
        return try wasm.call([])
    }
    var imports = Imports()
    imports.define(module: "env", name: "host", .function(host))
    let module = makeModule(
        [("f", FunctionType(), [], [.call(functionIndex: 0)])],
        imports: [Import(module: "env", name: "host", descriptor: .function(typeIndex: 0))],
        types: [FunctionType()])
    let instance = try Instance(module: module, store: store, imports: imports)
    wasm = try instance.exportedFunction("f")
    #expect(throws: Trap(.callStackExhausted)) { try instance.call("f") }
    #expect(store.exec.pointee.hostDepth == 0)
    // The store is still usable.
    wasm = nil
    #expect(try instance.call("f") == [])
}

@Test func hostReentryStopsBeforeTheNativeStackRunsOutWhateverTheLimit() throws {
    // A re-entry limit far above what a 1 MiB thread stack can hold: only the
    // native-stack check can stop the recursion before it overflows (without
    // it this test crashes rather than fails).
    final class Outcome: @unchecked Sendable {
        var error: (any Error)?
        var depth = 0
        var usableAfterwards = false
    }
    let outcome = Outcome()
    let done = DispatchSemaphore(value: 0)
    let thread = Thread {
        defer { done.signal() }
        do {
            let store = Store(configuration: .init(maximumHostReentry: 1_000_000))
            var wasm: Function?
            var depth = 0
            let host = Function(store: store, type: FunctionType()) { _, _ in
                depth += 1
                outcome.depth = max(outcome.depth, depth)
                defer { depth -= 1 }
                guard let wasm else { return [] }
                return try wasm.call([])
            }
            var imports = Imports()
            imports.define(module: "env", name: "host", .function(host))
            let module = makeModule(
                [("f", FunctionType(), [], [.call(functionIndex: 0)]), ("g", FunctionType(), [], [])],
                imports: [Import(module: "env", name: "host", descriptor: .function(typeIndex: 0))],
                types: [FunctionType()])
            let instance = try Instance(module: module, store: store, imports: imports)
            wasm = try instance.exportedFunction("f")
            do { _ = try instance.call("f") } catch { outcome.error = error }
            outcome.usableAfterwards = (try? instance.call("g")) == []
        } catch {
            outcome.error = error
        }
    }
    thread.stackSize = 1 << 20
    thread.start()
    done.wait()
    #expect(outcome.error as? Trap == Trap(.callStackExhausted))
    #expect(outcome.depth > 1)
    #expect(outcome.usableAfterwards)
}

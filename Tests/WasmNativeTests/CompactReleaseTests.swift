import TestSupport
import Testing
import WasmBinary

@testable import WasmInterpreter

/// `Instance.compact()` and `Store.release(_:)`, which let an embedder keep
/// thousands of small instances in one store (the TB runtime does).
@Suite struct CompactReleaseTests {
    /// fib(n) (exported `fib`), and `viaTable(n)`, which calls fib through a
    /// table with `call_indirect`, and a global `g` = 40 that `get` returns.
    static func module() -> Module {
        let i64toi64 = FunctionType(parameters: [.i64], results: [.i64])
        var module = makeModule([
            ("fib", i64toi64, [], fibBody),
            (
                "viaTable", i64toi64, [],
                [.localGet(0), .i32Const(0), .callIndirect(typeIndex: 0, tableIndex: 0)]
            ),
            ("get", FunctionType(parameters: [], results: [.i64]), [], [.globalGet(0)]),
        ])
        module.tables = [TableType(elementType: .funcref, limits: Limits(min: 1, max: 1))]
        module.elements = [
            ElementSegment(
                mode: .active(tableIndex: 0, offset: [.i32Const(0), .end]), type: .funcref,
                initializers: .functionIndices([0]))
        ]
        module.globals = [
            Global(type: GlobalType(valueType: .i64, isMutable: false), initializer: [.i64Const(40), .end])
        ]
        return module
    }

    /// After compaction every function still computes the same (fib(20) = 6765,
    /// also through `call_indirect`, whose machine code points into its
    /// translated code), and the module has lost its bodies and globals.
    @Test(arguments: [Store.Engine.interpreter, .native])
    func compactedInstancesStillRun(engine: Store.Engine) throws {
        if nativeSkipped(engine) { return }
        let store = Store(configuration: .init(engine: engine))
        let instance = try Instance(module: Self.module(), store: store)
        try instance.compact()
        #expect(instance.module.codes.isEmpty)
        #expect(instance.module.globals.isEmpty)
        #expect(instance.module.exports.count == 3)
        #expect(try instance.call("fib", [.i64(20)]) == [.i64(6765)])
        #expect(try instance.call("viaTable", [.i64(20)]) == [.i64(6765)])
        #expect(try instance.call("get") == [.i64(40)])
        if engine == .native {
            // fib and get keep no translated code; viaTable must keep its own.
            let defined = instance.storage.functions
            #expect(defined[0].pointee.code == nil)
            #expect(defined[1].pointee.code != nil)
            #expect(defined[2].pointee.code == nil)
            #expect(store.nativeCodeBytes > 0)
        }
    }

    /// Released instances are freed with their entries, globals and machine
    /// code, while the store and the instances still held keep working.
    @Test(arguments: [Store.Engine.interpreter, .native])
    func releasedInstancesAreFreed(engine: Store.Engine) throws {
        if nativeSkipped(engine) { return }
        let store = Store(configuration: .init(engine: engine))
        let module = Self.module()
        var instances: [Instance] = []
        for _ in 0..<50 {
            let instance = try Instance(module: module, store: store)
            #expect(try instance.call("fib", [.i64(10)]) == [.i64(55)])
            instances.append(instance)
        }
        #expect(store.instanceCount == 50)
        let codePerInstance = store.nativeCodeBytes / 50
        if engine == .native { #expect(codePerInstance > 0) } else { #expect(codePerInstance == 0) }
        weak let firstStorage = instances[0].storage
        for instance in instances.dropLast() { store.release(instance) }
        instances.removeFirst(49)
        #expect(firstStorage == nil)
        #expect(store.instanceCount == 1)
        #expect(store.nativeCodeBytes == codePerInstance)
        #expect(try instances[0].call("viaTable", [.i64(15)]) == [.i64(610)])
        #expect(try instances[0].call("get") == [.i64(40)])
        store.release(instances[0])
        instances = []
        #expect(store.instanceCount == 0)
        #expect(store.nativeCodeBytes == 0)
    }

    /// A failed instantiation leaves nothing in the store when nothing of it
    /// can be reached (a missing import), and keeps the instance when its
    /// functions can: an element segment wrote one into an imported table
    /// before the start function trapped (the spec keeps that write, so the
    /// function must stay callable).
    @Test func failedInstantiationsAreDroppedUnlessReachable() throws {
        let store = Store()
        let i64toi64 = FunctionType(parameters: [.i64], results: [.i64])
        let missing = makeModule(
            [("fib", i64toi64, [], fibBody)],
            imports: [Import(module: "env", name: "absent", descriptor: .function(typeIndex: 0))])
        for _ in 0..<3 {
            #expect(throws: LinkError.self) { _ = try Instance(module: missing, store: store) }
        }
        #expect(store.instanceCount == 0)

        let tableType = TableType(elementType: .funcref, limits: Limits(min: 1, max: 1))
        var trapping = makeModule(
            [
                ("fib", i64toi64, [], fibBody),
                ("start", FunctionType(parameters: [], results: []), [], [.unreachable]),
            ],
            imports: [Import(module: "env", name: "table", descriptor: .table(tableType))])
        trapping.elements = [
            ElementSegment(
                mode: .active(tableIndex: 0, offset: [.i32Const(0), .end]), type: .funcref,
                initializers: .functionIndices([0]))
        ]
        trapping.start = 1
        let table = try Table(store: store, type: tableType)
        var imports = Imports()
        imports.define(module: "env", name: "table", .table(table))
        #expect(throws: Trap.self) { _ = try Instance(module: trapping, store: store, imports: imports) }
        #expect(store.instanceCount == 1)
        guard case .funcref(let fib?) = try table.element(at: 0) else {
            Issue.record("the element segment's write is lost")
            return
        }
        #expect(try fib.call([.i64(20)]) == [.i64(6765)])
    }
}

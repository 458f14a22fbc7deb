// The only-, add- and remove-lists (with `*` and `@file`) decide the same
// functions as Binaryen's `asyncify-onlylist` / `-addlist` / `-removelist`
// on the same module (wasm-opt is the oracle), and `asserts` traps where
// Binaryen's `asyncify-asserts` does.

import AsyncifyHost
import AsyncifyTransform
import Foundation
import TestSupport
import Testing
import WasmBinary
import WasmInterpreter

/// Functions named a, b, b2, c, d, e, g_ind over an import `env.yield_value`:
/// a calls it; b and b2 call a; c calls b; e calls d (which calls nothing);
/// g_ind makes an indirect call; `run` (exported) calls c and b2.
func listModule() -> Module {
    var module = Module()
    let yieldValue = module.addImportedFunction(
        module: "env", name: "yield_value", type: FunctionType(parameters: [.i32], results: [.i32]))
    module.memories.append(Limits(min: 1))
    module.addExport("memory", .memory(0))
    let void = FunctionType(parameters: [], results: [])
    let voidIndex = module.addType(void)
    module.tables.append(TableType(elementType: .funcref, limits: Limits(min: 1)))
    func add(_ body: [Instruction]) -> UInt32 {
        module.addFunction(type: void, body: FunctionBody(body: body + [.end]))
    }
    let a = add([.i32Const(1), .call(functionIndex: yieldValue), .drop])
    let b = add([.call(functionIndex: a)])
    let b2 = add([.call(functionIndex: a)])
    let c = add([.call(functionIndex: b)])
    let d = add([.nop])
    let e = add([.call(functionIndex: d)])
    let g = add([.i32Const(0), .callIndirect(typeIndex: voidIndex, tableIndex: 0)])
    let run = add([.call(functionIndex: c), .call(functionIndex: b2)])
    module.elements.append(
        ElementSegment(
            mode: .active(tableIndex: 0, offset: [.i32Const(0), .end]), type: .funcref,
            initializers: .functionIndices([d])))
    module.addExport("run", .function(run))
    module.customSections.append(
        CustomSection(
            name: "name",
            bytes: nameSection([a: "a", b: "b", b2: "b2", c: "c", d: "d", e: "e", g: "g_ind", run: "run"]),
            after: .data))
    return module
}

/// Names of the functions that read or write `__asyncify_state` (found through the body of
/// the exported `asyncify_get_state`), in the function order of `listModule()`.
func instrumentedNames(_ module: Module) throws -> [String] {
    let names = ["a", "b", "b2", "c", "d", "e", "g_ind", "run"]
    let imported = 1
    let getState = try #require(module.exports.first { $0.name == "asyncify_get_state" })
    guard case .function(let f) = getState.descriptor,
        case .globalGet(let state) = module.codes[Int(f) - imported].body[0]
    else {
        Issue.record("asyncify_get_state is not global.get")
        return []
    }
    return names.indices.filter { k in
        module.codes[k].body.contains {
            switch $0 {
            case .globalGet(let g), .globalSet(let g): g == state
            default: false
            }
        }
    }.map { names[$0] }
}

@Suite struct ListAndAssertTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var binaryenArguments: [String]
        var options: AsyncifyTransform.Options
        var testDescription: String { binaryenArguments.joined(separator: " ") }
    }

    static let cases: [Case] = [
        Case(binaryenArguments: [], options: .init()),
        Case(binaryenArguments: ["asyncify-removelist@b"], options: .init(removeList: ["b"])),
        Case(binaryenArguments: ["asyncify-removelist@b*"], options: .init(removeList: ["b*"])),
        Case(binaryenArguments: ["asyncify-addlist@d"], options: .init(addList: ["d"])),
        Case(binaryenArguments: ["asyncify-onlylist@a,c"], options: .init(onlyList: ["a", "c"])),
        Case(binaryenArguments: ["asyncify-onlylist@b*,e"], options: .init(onlyList: ["b*", "e"])),
        Case(
            binaryenArguments: ["asyncify-ignore-indirect", "asyncify-addlist@g_*"],
            options: .init(ignoreIndirect: true, addList: ["g_*"])),
        Case(
            binaryenArguments: ["asyncify-ignore-indirect", "asyncify-removelist@c", "asyncify-addlist@e"],
            options: .init(ignoreIndirect: true, removeList: ["c"], addList: ["e"])),
    ]

    /// Runs wasm-opt --asyncify with `arguments` on `module`; nil when wasm-opt is missing.
    static func binaryen(_ module: Module, _ arguments: [String], asserts: Bool = false) throws
        -> (status: Int32, module: Module?, text: String)?
    {
        guard let wasmOpt = ExternalTool.find("wasm-opt") else { return nil }
        let dir = try ExternalTool.temporaryDirectory("AsyncifyTransformTests")
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.wasm")
        let output = dir.appendingPathComponent("out.wasm")
        try Data(module.encoded()).write(to: input)
        var passArguments = (["asyncify-imports@env.yield_value"] + arguments).map { "--pass-arg=\($0)" }
        if asserts { passArguments.append("--pass-arg=asyncify-asserts") }
        let result = try ExternalTool.run(
            wasmOpt, [input.path, "--asyncify"] + passArguments + ["-o", output.path])
        guard result.status == 0 else { return (result.status, nil, result.text) }
        return (0, try Module(decoding: Inputs.bytes(output)), result.text)
    }

    /// The installed wasm-opt's version number (`wasm-opt version 108 (...)`).
    static func binaryenVersion() throws -> Int? {
        guard let wasmOpt = ExternalTool.find("wasm-opt") else { return nil }
        let text = try ExternalTool.run(wasmOpt, ["--version"]).text
        return text.split(whereSeparator: \.isWhitespace).lazy.compactMap { Int($0) }.first
    }

    @Test(arguments: cases)
    func listsInstrumentWhatBinaryensDo(_ testCase: Case) throws {
        var options = testCase.options
        options.asyncImports = ["env.yield_value"]
        // Binaryen's `--asyncify` alone, without the `-O2` inlining ours does by default.
        options.inlines = false
        let ours = try instrumentedNames(AsyncifyTransform.instrument(listModule(), options: options))
        guard let binaryen = try Self.binaryen(listModule(), testCase.binaryenArguments) else {
            print("skipped: wasm-opt not installed")
            return
        }
        let theirs = try instrumentedNames(try #require(binaryen.module, "\(binaryen.text)"))
        #expect(ours == theirs)
    }

    @Test func listsMatchTheirIndependentExpectations() throws {
        // The same decisions spelled out, so the test fails without wasm-opt too.
        func names(_ options: AsyncifyTransform.Options) throws -> [String] {
            var options = options
            options.asyncImports = ["env.yield_value"]
            options.inlines = false
            return try instrumentedNames(AsyncifyTransform.instrument(listModule(), options: options))
        }
        #expect(try names(.init()) == ["a", "b", "b2", "c", "g_ind", "run"])
        #expect(try names(.init(removeList: ["b"])) == ["a", "b2", "g_ind", "run"])
        #expect(try names(.init(removeList: ["b*"])) == ["a", "g_ind"])
        #expect(try names(.init(addList: ["d"])) == ["a", "b", "b2", "c", "d", "g_ind", "run"])
        #expect(
            try names(.init(addList: ["d"], propagateAddList: true)) == [
                "a", "b", "b2", "c", "d", "e", "g_ind", "run",
            ])
        #expect(try names(.init(onlyList: ["b*", "e"])) == ["b", "b2", "e"])
        #expect(try names(.init(ignoreIndirect: true)) == ["a", "b", "b2", "c", "run"])
    }

    @Test func aFunctionInTheAddAndTheRemoveListIsRefusedAsBinaryenDoes() throws {
        var options = AsyncifyTransform.Options(removeList: ["d"], addList: ["d*"])
        options.asyncImports = ["env.yield_value"]
        #expect {
            try AsyncifyTransform.instrument(listModule(), options: options)
        } throws: { error in
            guard let error = error as? AsyncifyTransformError else { return false }
            return error.reason == .functionInAddAndRemoveList && error.description.contains("$d")
        }
        // Binaryen refuses this since version 118 (#5935); 108 silently lets the add-list win.
        guard let version = try Self.binaryenVersion() else {
            print("skipped: wasm-opt not installed")
            return
        }
        guard version >= 118 else {
            print("skipped: wasm-opt \(version) predates the add/remove-list check (version 118)")
            return
        }
        let binaryen = try #require(
            try Self.binaryen(listModule(), ["asyncify-removelist@d", "asyncify-addlist@d*"]))
        #expect(binaryen.status != 0)
        #expect(binaryen.text.contains("add-list and in the remove-list"), "\(binaryen.text)")
    }

    @Test func listFilesAreReadLikeBinaryensResponseFiles() throws {
        let dir = try ExternalTool.temporaryDirectory("AsyncifyTransformTests")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("remove.txt")
        try Data("b*\n  e \r\n\n".utf8).write(to: file)
        #expect(try AsyncifyTransform.Options.readList("@\(file.path)") == ["b*", "e"])
        #expect(try AsyncifyTransform.Options.readList("a, c*,,d") == ["a", "c*", "d"])
        #expect {
            try AsyncifyTransform.Options.readList("@\(dir.path)/missing.txt")
        } throws: { ($0 as? AsyncifyTransformError)?.reason == .listFileUnreadable }
        // The file's list decides like Binaryen's reading the same file (comma-separated:
        // Binaryen reads one entry per line only since version 117).
        let commas = dir.appendingPathComponent("remove-commas.txt")
        try Data("b*,e\n".utf8).write(to: commas)
        var options = AsyncifyTransform.Options(
            removeList: try AsyncifyTransform.Options.readList("@\(commas.path)"))
        options.asyncImports = ["env.yield_value"]
        let ours = try instrumentedNames(AsyncifyTransform.instrument(listModule(), options: options))
        #expect(ours == ["a", "g_ind"])
        guard let binaryen = try Self.binaryen(listModule(), ["asyncify-removelist@@\(commas.path)"]) else {
            print("skipped: wasm-opt not installed")
            return
        }
        #expect(try instrumentedNames(try #require(binaryen.module, "\(binaryen.text)")) == ours)
    }

    /// `run` calls `middle`, which calls the async import; `middle` is remove-listed, so an
    /// unwind begins below a frame that cannot be resumed.
    static func assertModule() -> Module {
        var module = yieldModule()
        let middle = module.addFunction(
            type: FunctionType(parameters: [.i32], results: [.i32]),
            body: FunctionBody(body: [
                .localGet(0), .call(functionIndex: 0), .i32Const(1), .numeric(.i32Add), .end,
            ]))
        let outer = module.addFunction(
            type: FunctionType(parameters: [.i32], results: [.i32]),
            body: FunctionBody(body: [.localGet(0), .call(functionIndex: middle), .end]))
        module.addExport("outer", .function(outer))
        module.customSections.append(
            CustomSection(
                name: "name", bytes: nameSection([1: "run", middle: "middle", outer: "outer"]), after: .data))
        return module
    }

    static func invokeOuter(_ module: Module) throws -> Result<AsyncifyCallResult, any Error> {
        let sleeper = Sleeper()
        let host = try AsyncifyInstance(module: module, imports: [sleeper.yieldValue])
        host.sleepDataArea = (1024, 256)
        return Result { try host.invoke("outer", [Value(Int32(3))]) }
    }

    static func isUnreachableTrap(_ result: Result<AsyncifyCallResult, any Error>) -> Bool {
        guard case .failure(let error) = result else { return false }
        return "\(error)".contains("unreachable")
    }

    @Test func assertsTrapWhenAnUninstrumentedFunctionUnwinds() throws {
        var options = AsyncifyTransform.Options(removeList: ["middle"])
        options.asyncImports = ["env.yield_value"]
        let unchecked = try AsyncifyTransform.instrument(Self.assertModule(), options: options)
        #expect(!Self.isUnreachableTrap(try Self.invokeOuter(unchecked)))
        options.asserts = true
        let checked = try AsyncifyTransform.instrument(Self.assertModule(), options: options)
        #expect(Self.isUnreachableTrap(try Self.invokeOuter(checked)))
        // An unaffected program runs the same with the checks in.
        let sleeper = Sleeper()
        let host = try AsyncifyInstance(module: checked, imports: [sleeper.yieldValue])
        host.sleepDataArea = (1024, 256)
        #expect(try host.invoke("run", [Value(Int32(4))]) == .suspended)
        #expect(try #require(sleeper.pending).resume(with: 7) == .returned([.i32(47)]))
        guard
            let binaryen = try Self.binaryen(
                Self.assertModule(), ["asyncify-removelist@middle"], asserts: true)
        else {
            print("skipped: wasm-opt not installed")
            return
        }
        #expect(Self.isUnreachableTrap(try Self.invokeOuter(try #require(binaryen.module))))
    }

    @Test func assertsTrapWhenACallAssumedNotToUnwindDoes() throws {
        // `outer` is instrumented (it calls the listed import) and also calls `env.other`,
        // which is not listed, so assumed not to unwind; the host makes it sleep anyway.
        var module = Module()
        let type = FunctionType(parameters: [.i32], results: [.i32])
        let yieldValue = module.addImportedFunction(module: "env", name: "yield_value", type: type)
        let other = module.addImportedFunction(module: "env", name: "other", type: type)
        module.memories.append(Limits(min: 1))
        module.addExport("memory", .memory(0))
        let outer = module.addFunction(
            type: type,
            body: FunctionBody(body: [
                .localGet(0), .call(functionIndex: other), .drop, .localGet(0),
                .call(functionIndex: yieldValue),
                .end,
            ]))
        module.addExport("outer", .function(outer))
        func run(asserts: Bool) throws -> Result<AsyncifyCallResult, any Error> {
            var options = AsyncifyTransform.Options(asserts: asserts)
            options.asyncImports = ["env.yield_value"]
            let instrumented = try AsyncifyTransform.instrument(module, options: options)
            let sleeper = Sleeper()
            let sleepy = HostImport(name: "other", isAsync: true) { host, slots in
                _ = try host.handleSleep { sleeper.pending = $0 }
                slots.setI32(0, 0)
            }
            let host = try AsyncifyInstance(module: instrumented, imports: [sleeper.yieldValue, sleepy])
            host.sleepDataArea = (1024, 256)
            return Result { try host.invoke("outer", [Value(Int32(3))]) }
        }
        #expect(!Self.isUnreachableTrap(try run(asserts: false)))
        #expect(Self.isUnreachableTrap(try run(asserts: true)))
    }
}

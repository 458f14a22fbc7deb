import Foundation
import Testing
import WasmBinary
import WasmInterpreter

@testable import WasmSpec

@Test func expectedValuesFollowTheNaNRules() {
    #expect(SpecValue.canonicalNaN(.f32).matches(.f32(0xFFC0_0000)))
    #expect(!SpecValue.canonicalNaN(.f32).matches(.f32(0x7FC0_0001)))
    #expect(SpecValue.arithmeticNaN(.f32).matches(.f32(0x7FC0_0001)))
    #expect(!SpecValue.arithmeticNaN(.f32).matches(.f32(0x7F80_0001)))
    #expect(SpecValue.canonicalNaN(.f64).matches(.f64(0x7FF8_0000_0000_0000)))
    #expect(!SpecValue.arithmeticNaN(.f64).matches(.f64(0x3FF0_0000_0000_0000)))
    #expect(SpecValue.f32(bits: 0x8000_0000).matches(.f32(0x8000_0000)))
    #expect(!SpecValue.f32(bits: 0x8000_0000).matches(.f32(0)))
    #expect(SpecValue.externReference(7).matches(.externref(7)))
    #expect(!SpecValue.null(.externref).matches(.externref(0)))
}

@Test func executorRunsActionsAgainstTheSpectestHost() throws {
    // (module (import "spectest" "global_i32" (global i32)) (func (export "g") (result i32) global.get 0))
    var module = Module()
    module.types = [FunctionType(results: [.i32])]
    module.imports = [
        Import(
            module: "spectest", name: "global_i32",
            descriptor: .global(GlobalType(valueType: .i32, isMutable: false)))
    ]
    module.functions = [0]
    module.codes = [FunctionBody(body: [.globalGet(0), .end])]
    module.exports = [Export(name: "g", descriptor: .function(0))]
    let executor = SpecExecutor()
    try executor.instantiate(module, name: "$M")
    #expect(try executor.perform(.invoke(module: "$M", field: "g", arguments: [])) == [.i32(666)])
    let outcome = executor.run(
        SpecCommand(
            line: 1, kind: .assertReturn(.invoke(module: nil, field: "g", arguments: []), expected: [.i32(1)])
        ),
        nil)
    #expect(outcome != .passed)
}

@Test func scriptsThatCannotBeReadOrRunSayWhy() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
        "spec-script-errors-\(getpid())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    func reason(of text: String?, named name: String) -> SpecScriptError.Reason? {
        let path = directory.appendingPathComponent(name).path
        if let text { _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8)) }
        let error = #expect(throws: SpecScriptError.self) { _ = try SpecScript(contentsOf: path) }
        #expect(error?.path == path)
        return error?.reason
    }
    #expect(reason(of: nil, named: "missing.json") == .unreadableFile)
    #expect(reason(of: "{ not json", named: "bad.json") == .badJSON)
    #expect(reason(of: #"{"source_filename": "x.wast"}"#, named: "empty.json") == .noCommands)
    #expect(
        reason(of: #"{"commands": [{"type": "dance", "line": 3}]}"#, named: "odd.json") == .unknownCommand)

    // Actions that name no module, or pass a pattern as an argument.
    let executor = SpecExecutor()
    let beforeAny = #expect(throws: SpecScriptError.self) { _ = try executor.instance(nil) }
    #expect(beforeAny?.reason == .unknownModule)
    let unknown = #expect(throws: SpecScriptError.self) { _ = try executor.instance("$nope") }
    #expect(unknown?.reason == .unknownModule)
    let pattern = #expect(throws: SpecScriptError.self) {
        _ = try executor.perform(.invoke(module: nil, field: "f", arguments: [.canonicalNaN(.f32)]))
    }
    #expect(pattern?.reason == .notAnArgumentValue)
}

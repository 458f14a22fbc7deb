// Our instrumentation driven by Emscripten's own JS glue under node: each C
// program is built for JS with EMCC_DEBUG, its pre-Asyncify module
// (emcc-2-post_finalize.wasm) instrumented by us and run with the JS emcc
// wrote for it before metadce (emcc-3-original.js); stdout and exit code must
// equal what node printed for the Binaryen-instrumented build
// (Tests/AsyncifyHostTests/Programs/<name>.node.out and .node.exit).

import AsyncifyTransform
import Foundation
import TestSupport
import Testing
import WasmBinary

@Suite struct NodeGlueTests {
    /// overflow.c is left out: it overflows only with Binaryen's larger frames (see EmccProgramTests).
    @Test(arguments: Inputs.programs.filter { $0 != "overflow" })
    func emscriptenGlueDrivesOurOutput(_ name: String) throws {
        guard let emcc = ExternalTool.find("emcc") else {
            print("skipped: emcc not installed")
            return
        }
        guard let node = ExternalTool.find("node") else {
            print("skipped: node not installed")
            return
        }
        let dir = try ExternalTool.temporaryDirectory("AsyncifyTransformTests")
        defer { try? FileManager.default.removeItem(at: dir) }
        let source = Inputs.hostPrograms.appendingPathComponent("\(name).c").path
        let environment = ["EMCC_DEBUG": "1", "EMCC_TEMP_DIR": dir.path, "NODE_PATH": "/usr/share/nodejs"]
        let build = try ExternalTool.run(
            emcc,
            ["-O2", "-sASYNCIFY", "-sEXIT_RUNTIME=1", source, "-o", dir.appendingPathComponent("b.js").path],
            environment: environment)
        try #require(build.status == 0, "\(build.text)")
        let temp = dir.appendingPathComponent("emscripten_temp")
        guard let range = build.text.range(of: #"asyncify-imports@[^ ]*"#, options: .regularExpression) else {
            Issue.record("emcc's log names no asyncify-imports")
            return
        }
        let imports = build.text[range].dropFirst("asyncify-imports@".count).split(separator: ",").map(
            String.init)
        let pre = try Inputs.bytes(temp.appendingPathComponent("emcc-2-post_finalize.wasm"))
        var options = AsyncifyTransform.Options()
        options.asyncImports = imports
        let ours = try AsyncifyTransform.instrument(bytes: pre, options: options)
        let run = dir.appendingPathComponent("ours")
        try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
        try Data(ours).write(to: run.appendingPathComponent("b.wasm"))
        try FileManager.default.copyItem(
            at: temp.appendingPathComponent("emcc-3-original.js"), to: run.appendingPathComponent("b.js"))
        let result = try ExternalTool.run(
            node, ["--no-experimental-fetch", run.appendingPathComponent("b.js").path],
            environment: ["NODE_PATH": "/usr/share/nodejs"])
        let expected = try Inputs.bytes(Inputs.hostPrograms.appendingPathComponent("\(name).node.out"))
        let exit = try String(
            contentsOf: Inputs.hostPrograms.appendingPathComponent("\(name).node.exit"), encoding: .utf8)
        #expect(result.stdout == expected, "\(name): \(result.text)")
        #expect(result.status == Int32(exit.trimmingCharacters(in: .whitespacesAndNewlines)))
    }
}

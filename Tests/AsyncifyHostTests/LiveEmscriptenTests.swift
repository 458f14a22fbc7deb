// Where emcc and node are installed: rebuild each test program both ways
// (standalone for our host, JS for node) and compare our output on each Wasm
// engine with node's byte for byte, and the exit codes.

import AsyncifyHost
import Foundation
import TestSupport
import Testing
import WasmBinary
import WasmInterpreter

@Suite struct LiveEmscriptenTests {
    @Test(arguments: Programs.emscripten)
    func rebuiltProgramMatchesNode(_ name: String) throws {
        guard let emcc = ExternalTool.findOrSkip("emcc") else { return }
        guard let node = ExternalTool.findOrSkip("node") else { return }
        let directory = try ExternalTool.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let source = Programs.url("\(name).c").path
        // The JS build writes its own \(name).wasm next to the .js: keep ours apart.
        let wasm = directory.appendingPathComponent("\(name).standalone.wasm").path
        let js = directory.appendingPathComponent("\(name).js").path
        let environment = ["NODE_PATH": "/usr/share/nodejs"]
        let standalone = try ExternalTool.run(
            emcc,
            ["-O2", "-sASYNCIFY", "-sSTANDALONE_WASM", "-sERROR_ON_UNDEFINED_SYMBOLS=0", source, "-o", wasm],
            environment: environment)
        #expect(standalone.status == 0, "emcc (standalone) failed for \(name)")
        let jsBuild = try ExternalTool.run(
            emcc, ["-O2", "-sASYNCIFY", "-sEXIT_RUNTIME=1", source, "-o", js], environment: environment)
        #expect(jsBuild.status == 0, "emcc (JS) failed for \(name)")
        guard standalone.status == 0, jsBuild.status == 0 else { return }
        let reference = try ExternalTool.run(node, ["--no-experimental-fetch", js])

        let module = try Module(decoding: [UInt8](try Data(contentsOf: URL(fileURLWithPath: wasm))))
        try module.validate()
        for engine in wasmEngines {
            let run = try runProgram(module, engine: engine)
            #expect(run.stdout == reference.stdout, "\(name) on \(engine): our output differs from node's")
            switch name {
            case "entryreturns":
                #expect((run.error as? AsyncifyHostError)?.reason == .fiberEntryReturned, "on \(engine)")
            case "badswap":
                // node dies with "table index is out of bounds"; we name the bad swap.
                #expect(reference.status != 0)
                #expect((run.error as? AsyncifyHostError)?.reason == .invalidState, "on \(engine)")
            case "overflow":
                // node dies with a bare "unreachable"; we name the overflow.
                #expect(reference.status != 0)
                #expect((run.error as? AsyncifyHostError)?.reason == .asyncifyStackOverflow, "on \(engine)")
            default:
                #expect(run.error == nil, "\(name) on \(engine): \(String(describing: run.error))")
                #expect(
                    run.exitCode == reference.status, "\(name) on \(engine): exit code differs from node's")
            }
        }
    }
}

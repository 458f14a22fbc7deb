// `asyncify run prog.wasm [-- ARGS...]` without `--invoke`: runs a WASI /
// Emscripten program (for instance one built with `emcc -sASYNCIFY
// -sSTANDALONE_WASM`) on the Asyncify host: `_start`, then its sleeps on
// simulated time. Forwards stdout and stderr and exits with the program's code.

import AsyncifyHost
import Foundation
import WasmBinary
import WasmInterpreter

enum RunProgramCommand {
    /// Whether `module` is a program for the host: a module instrumented by
    /// Asyncify or one that imports WASI. Others go to ``RunCommand``.
    static func isProgram(_ module: Module) -> Bool {
        module.exports.contains { $0.name == "asyncify_start_unwind" }
            || module.imports.contains { $0.module == "wasi_snapshot_preview1" }
    }

    static func main(
        _ module: Module, path: String, arguments: [String], engine: Store.Engine = .automatic,
        dumpNative: String? = nil
    ) -> Int32 {
        do {
            let name = (path as NSString).lastPathComponent
            let options = AsyncifyInstance.Options(arguments: [name] + arguments)
            let host = try AsyncifyInstance(
                module: module, store: Store(configuration: .init(engine: engine)), options: options)
            let code = try host.runStart()
            if let file = dumpNative { try RunCommand.dumpNativeCode(of: host.instance, to: file) }
            return code
        } catch {
            FileHandle.standardError.write(Data("asyncify run: \(path): \(error)\n".utf8))
            return 1
        }
    }
}

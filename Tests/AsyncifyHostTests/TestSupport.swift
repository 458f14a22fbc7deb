// Shared helpers: the committed test programs, running them on the host with
// captured output, and external tools (emcc, node) for the live comparison.

import AsyncifyHost
import Foundation
import TestSupport
import WasmBinary
import WasmInterpreter

enum Programs {
    /// `Tests/AsyncifyHostTests/Programs`.
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Programs")

    /// The Emscripten test programs (C sources next to their .wasm and node outputs).
    static let emscripten = [
        "fibers", "roundrobin", "deeprecursion", "sleep", "entryreturns", "overflow", "mallocprintf",
        "badswap",
    ]

    static func url(_ name: String) -> URL { directory.appendingPathComponent(name) }

    static func module(_ name: String) throws -> Module {
        let data = try Data(contentsOf: url(name))
        let module = try Module(decoding: [UInt8](data))
        try module.validate()
        return module
    }

    static func text(_ name: String) throws -> String { try String(contentsOf: url(name), encoding: .utf8) }
}

/// Collects what a program writes to stdout and stderr.
final class OutputCapture {
    var stdout: [UInt8] = []
    var stderr: [UInt8] = []

    var options: AsyncifyInstance.Options {
        AsyncifyInstance.Options(arguments: ["prog"]) { [self] fd, bytes in
            if fd == 1 { stdout += bytes } else { stderr += bytes }
        }
    }

    var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
}

/// The outcome of running a program on the host.
struct ProgramRun {
    var stdout: [UInt8]
    var exitCode: Int32?
    var error: (any Error)?
}

/// Runs `module` through `_start` with captured output.
func runProgram(_ module: Module, store: Store = Store(), performsTrivialExports: Bool = true) throws
    -> ProgramRun
{
    let capture = OutputCapture()
    let host = try AsyncifyInstance(module: module, store: store, options: capture.options)
    host.performsTrivialExports = performsTrivialExports
    do {
        let code = try host.runStart()
        return ProgramRun(stdout: capture.stdout, exitCode: code, error: nil)
    } catch {
        return ProgramRun(stdout: capture.stdout, exitCode: nil, error: error)
    }
}

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

/// A host that does not run on the engine its store was configured with.
struct EngineNotPinned: Error {
    var asked: Store.Engine
    var running: Store.Engine
}

/// The Wasm engines every program test runs on: our interpreter, and the
/// native tier on hosts that have it (x86-64 Linux).
let wasmEngines: [Store.Engine] = Store.nativeEngineIsAvailable ? [.interpreter, .native] : [.interpreter]

/// Runs `module` through `_start` with captured output, in `store` (by default
/// a new store on `engine`).
func runProgram(
    _ module: Module, engine: Store.Engine = .automatic, store: Store? = nil,
    performsTrivialExports: Bool = true
) throws -> ProgramRun {
    let store = store ?? Store(configuration: .init(engine: engine))
    let capture = OutputCapture()
    let host = try AsyncifyInstance(module: module, store: store, options: capture.options)
    host.performsTrivialExports = performsTrivialExports
    // The pin must hold: the program runs on the engine asked for.
    guard host.engine == store.configuration.engine.resolved else {
        throw EngineNotPinned(asked: store.configuration.engine, running: host.engine)
    }
    do {
        let code = try host.runStart()
        return ProgramRun(stdout: capture.stdout, exitCode: code, error: nil)
    } catch {
        return ProgramRun(stdout: capture.stdout, exitCode: nil, error: error)
    }
}

// Shared helpers: the committed test programs, running them on the host with
// captured output, and external tools (emcc, node) for the live comparison.

import AsyncifyHost
import Foundation
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

enum ExternalTool {
    /// The absolute path of `name` on PATH, or `nil`.
    static func find(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Runs a tool; returns its exit status and its stdout (stderr is discarded).
    static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws
        -> (
            status: Int32, output: [UInt8]
        )
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { $1 }
        process.environment = env
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, [UInt8](data))
    }

    /// A fresh temporary directory.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("AsyncifyHostTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

// Runs the built `asyncify` executable as a user would: a separate process,
// its exit status, standard output and standard error. `swift build` and
// `swift test` build it next to the test bundle.

import Foundation

/// The result of one `asyncify` run.
struct CLIResult: CustomStringConvertible {
    var status: Int32
    var standardOutput: String
    var standardError: String

    var description: String { "exit \(status)\nstdout:\n\(standardOutput)\nstderr:\n\(standardError)" }
}

enum CLI {
    /// The package root, from this file's path.
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The `asyncify` executable in the build products folder the tests run
    /// from (`ASYNCIFY_CLI` overrides it).
    static let executable: URL? = {
        if let path = ProcessInfo.processInfo.environment["ASYNCIFY_CLI"] {
            return URL(fileURLWithPath: path)
        }
        // The test bundle lies in .build/<triple>/<configuration>/ (on macOS
        // inside an .xctest bundle there); look upwards for the product.
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("asyncify")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return nil
    }()

    struct NotBuilt: Error, CustomStringConvertible {
        var description: String {
            "the asyncify executable was not found next to the test bundle; run `swift build` (or set ASYNCIFY_CLI)"
        }
    }

    /// Runs `asyncify arguments...` in `directory` (default: the package root)
    /// with the environment changed by `environment` (a `nil` value removes a variable).
    static func run(
        _ arguments: [String], in directory: URL? = nil, environment: [String: String?] = [:]
    ) throws -> CLIResult {
        guard let executable else { throw NotBuilt() }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = directory ?? packageRoot
        var variables = ProcessInfo.processInfo.environment
        for (name, value) in environment { variables[name] = value }
        process.environment = variables
        // Files, not pipes: a child that fills one pipe while we drain the other would hang.
        let scratch = FileManager.default.temporaryDirectory
            .appendingPathComponent("asyncify-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let out = scratch.appendingPathComponent("stdout")
        let err = scratch.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        let outHandle = try FileHandle(forWritingTo: out)
        let errHandle = try FileHandle(forWritingTo: err)
        process.standardOutput = outHandle
        process.standardError = errHandle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try outHandle.close()
        try errHandle.close()
        return CLIResult(
            status: process.terminationStatus,
            standardOutput: String(decoding: try Data(contentsOf: out), as: UTF8.self),
            standardError: String(decoding: try Data(contentsOf: err), as: UTF8.self))
    }
}

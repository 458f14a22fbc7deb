// Runs the built `asyncify` executable as a user would: a separate process,
// its exit status, standard output and standard error. `swift build` and
// `swift test` build it next to the test bundle.

import Foundation
import TestSupport

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
    /// with `environment` added to ours.
    static func run(
        _ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:]
    ) throws -> CLIResult {
        guard let executable else { throw NotBuilt() }
        let output = try ExternalTool.run(
            executable.path, arguments, in: directory ?? packageRoot, environment: environment)
        return CLIResult(
            status: output.status, standardOutput: output.stdoutText, standardError: output.stderrText)
    }
}

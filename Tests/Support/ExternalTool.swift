// Running the independent reference tools (wabt, node, emcc, qemu, llvm-objdump)
// from tests. A test whose tool is absent prints "skipped: <tool> not installed".

import Foundation

/// Finds and runs the external tools the tests compare against.
public enum ExternalTool {
    /// The absolute path of `name` on PATH (or in the Swift toolchain's `bin`), or `nil`.
    public static func find(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        let directories = path.split(separator: ":").map(String.init) + ["/opt/swift/usr/bin"]
        for directory in directories {
            let candidate = directory + "/" + name
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// The path of `name` as ``find(_:)`` gives it, or `nil` after printing
    /// `skipped: <name> not installed` (the test that needs the tool then returns).
    public static func findOrSkip(_ name: String) -> String? {
        guard let path = find(name) else {
            print("skipped: \(name) not installed")
            return nil
        }
        return path
    }

    /// What a tool printed and how it exited.
    public struct Output: Sendable {
        /// The exit status.
        public var status: Int32
        /// Everything written to stdout.
        public var stdout: [UInt8]
        /// Everything written to stderr.
        public var stderr: [UInt8]

        /// Stdout as UTF-8 text.
        public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
        /// Stderr as UTF-8 text.
        public var stderrText: String { String(decoding: stderr, as: UTF8.self) }
        /// Stdout then stderr, as text (for messages that may go to either).
        public var text: String { stdoutText + stderrText }
    }

    /// Runs `tool` to completion with `arguments`, in `directory` (default: ours),
    /// with `environment` added to ours and standard input empty. Output goes
    /// through temporary files, not pipes, so a tool that writes a lot to both
    /// streams cannot deadlock against us.
    public static func run(
        _ tool: String, _ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:]
    ) throws -> Output {
        let scratch = try temporaryDirectory("tool")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let outURL = scratch.appendingPathComponent("stdout")
        let errURL = scratch.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        process.standardInput = FileHandle.nullDevice
        let outHandle = try FileHandle(forWritingTo: outURL)
        let errHandle = try FileHandle(forWritingTo: errURL)
        process.standardOutput = outHandle
        process.standardError = errHandle
        try process.run()
        process.waitUntilExit()
        try? outHandle.close()
        try? errHandle.close()
        return Output(
            status: process.terminationStatus,
            stdout: [UInt8]((try? Data(contentsOf: outURL)) ?? Data()),
            stderr: [UInt8]((try? Data(contentsOf: errURL)) ?? Data()))
    }

    /// A fresh temporary directory whose name starts with `prefix`.
    public static func temporaryDirectory(_ prefix: String = "swift-asyncify-tests") throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

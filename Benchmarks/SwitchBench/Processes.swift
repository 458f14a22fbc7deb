import Foundation

/// Writes a progress line to stderr (stdout carries only the report).
func printProgress(_ message: String) {
    FileHandle.standardError.write(Data(("switch-bench: " + message + "\n").utf8))
}

/// The first executable called `name` on PATH.
func findExecutable(_ name: String) -> URL? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    for directory in path.split(separator: ":") {
        let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent(name)
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
    }
    return nil
}

/// Runs a program to completion and returns its stdout. Its stderr goes
/// straight to ours; throws when it exits non-zero.
func runProcess(_ executable: URL, _ arguments: [String], environment: [String: String]? = nil) throws
    -> String
{
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    if let environment { process.environment = environment }
    let stdout = Pipe()
    process.standardOutput = stdout
    try process.run()
    let output = stdout.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw BenchError(
            description: "\(executable.lastPathComponent) \(arguments.joined(separator: " ")) "
                + "exited with status \(process.terminationStatus)")
    }
    return String(decoding: output, as: UTF8.self)
}

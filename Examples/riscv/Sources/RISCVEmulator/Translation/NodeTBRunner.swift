import Foundation

/// Replays a ``WasmTBCapture`` on node (V8): the same TB modules our runtime
/// instantiated, driven by a JS port of the runtime's dispatch loop and of
/// `TranslatingMachine`'s helpers (see ``script``). One hart; console writes are
/// done in the `riscv_ecall` helper itself, not on a device fiber (V8 has no
/// Asyncify host here, and nothing needs to suspend); the register copies
/// around each TB run are skipped (the modules do not export the globals and
/// RISC-V TBs keep no state in them).
///
/// ```swift
/// let capture = try TranslatingMachine.captureWasmTBs(image: image)
/// if let node = NodeTBRunner.findNode() {
///     let run = try NodeTBRunner.run(capture, nodePath: node, runs: 3)
///     print(run.instructions, run.nanoseconds)
/// }
/// ```
public enum NodeTBRunner {
    /// What one replay printed and how long its dispatch loop took.
    public struct Run: Sendable {
        /// What the guest wrote to fd 1.
        public var standardOutput: [UInt8]
        /// What the guest wrote to fd 2.
        public var standardError: [UInt8]
        /// The exit status (`code & 0xff`).
        public var exitCode: Int
        /// Retired guest instructions: the `instret` counter the TBs keep in env,
        /// the same counter the Swift engines report.
        public var instructions: UInt64
        /// Wall time of the dispatch loop in nanoseconds (compiling and
        /// instantiating each module on its first run included; reading the
        /// files and node's start-up excluded). The best of the runs.
        public var nanoseconds: Double
        /// Of ``nanoseconds``, the time spent compiling and instantiating modules.
        public var compileNanoseconds: Double
        /// TB executions (`start` calls).
        public var tbRuns: Int
        /// Modules compiled and instantiated.
        public var compiledModules: Int
    }

    /// `node` on `PATH` (or /usr/bin/node), or nil.
    public static func findNode() -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":").map(String.init) + ["/usr/bin"] {
            let candidate = directory + "/node"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Writes the capture and the script to a temporary directory, runs node
    /// on it `runs` times (a fresh process each, so V8 compiles every module
    /// anew) and returns the fastest run.
    ///
    /// - Throws: ``NodeTBRunError`` if node fails, the guest faults under node,
    ///   or two runs disagree.
    public static func run(
        _ capture: WasmTBCapture, nodePath: String, runs: Int = 1,
        instructionLimit: UInt64 = 10_000_000_000
    ) throws(NodeTBRunError) -> Run {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "riscv-node-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        do {
            try write(capture, to: directory)
        } catch {
            throw NodeTBRunError(message: "cannot write the capture to \(directory.path): \(error)")
        }
        var best: Run?
        for _ in 0..<max(runs, 1) {
            let run = try runOnce(in: directory, nodePath: nodePath, instructionLimit: instructionLimit)
            if let previous = best {
                guard previous.standardOutput == run.standardOutput, previous.exitCode == run.exitCode,
                    previous.instructions == run.instructions
                else { throw NodeTBRunError(message: "two node runs of the same capture disagree") }
                if run.nanoseconds < previous.nanoseconds { best = run }
            } else {
                best = run
            }
        }
        // Non-nil: at least one run happened.
        return best!
    }

    /// `value` as a JSON number JS reads exactly (below 2^53).
    static func number(_ value: UInt64) throws -> Int {
        guard value < 1 << 53 else {
            throw NodeTBRunError(message: "0x\(String(value, radix: 16)) does not fit a JS number")
        }
        return Int(value)
    }

    /// Writes `manifest.json`, `memory.bin`, one `tb-<pc>.wasm` per module and `run.js`.
    static func write(_ capture: WasmTBCapture, to directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var modules: [[String: Any]] = []
        for module in capture.modules {
            let file = "tb-\(String(module.pc, radix: 16)).wasm"
            try Data(module.bytes).write(to: directory.appendingPathComponent(file))
            modules.append(["pc": try number(module.pc), "file": file, "helpers": module.helpers])
        }
        let manifest: [String: Any] = [
            "pages": try number(capture.memoryPages), "context": try number(capture.context),
            "env": try number(capture.env),
            "tlb": try number(capture.tlb),
            "guestBase": try number(capture.guestBase),
            "guestRAMHostBase": try number(capture.guestRAMHostBase),
            "guestRAMSize": try number(capture.guestRAMSize),
            "codeStart": try number(capture.codeRange.lowerBound),
            "codeEnd": try number(capture.codeRange.upperBound), "entry": try number(capture.entry),
            "modules": modules,
        ]
        try JSONSerialization.data(withJSONObject: manifest).write(
            to: directory.appendingPathComponent("manifest.json"))
        try Data(capture.initialMemory).write(to: directory.appendingPathComponent("memory.bin"))
        try Data(script.utf8).write(to: directory.appendingPathComponent("run.js"))
    }

    static func runOnce(in directory: URL, nodePath: String, instructionLimit: UInt64) throws(NodeTBRunError)
        -> Run
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: nodePath)
        process.arguments = [
            "--experimental-wasm-memory64", directory.appendingPathComponent("run.js").path, directory.path,
            "\(instructionLimit)",
        ]
        let pipe = Pipe()
        process.standardOutput = pipe
        let errorLog = directory.appendingPathComponent("stderr.txt")
        let output: Data
        do {
            _ = FileManager.default.createFile(atPath: errorLog.path, contents: nil)
            process.standardError = try FileHandle(forWritingTo: errorLog)
            try process.run()
            output = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
        } catch {
            throw NodeTBRunError(message: "cannot run \(nodePath): \(error)")
        }
        guard process.terminationStatus == 0 else {
            let log = (try? String(contentsOf: errorLog, encoding: .utf8)) ?? ""
            throw NodeTBRunError(
                message: "node exited with status \(process.terminationStatus): "
                    + log.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        guard let object = try? JSONSerialization.jsonObject(with: output) as? [String: Any],
            let stdout = (object["stdout"] as? String).flatMap({ Data(base64Encoded: $0) }),
            let stderr = (object["stderr"] as? String).flatMap({ Data(base64Encoded: $0) }),
            let exitCode = (object["exitCode"] as? NSNumber)?.intValue,
            let instructions = (object["instructions"] as? String).flatMap({ UInt64($0) }),
            let nanoseconds = (object["nanoseconds"] as? NSNumber)?.doubleValue,
            let tbRuns = (object["tbRuns"] as? NSNumber)?.intValue,
            let compiled = (object["compiled"] as? NSNumber)?.intValue,
            let compileNanoseconds = (object["compileNanoseconds"] as? NSNumber)?.doubleValue
        else {
            throw NodeTBRunError(
                message: "unexpected output from node: \(String(decoding: output.prefix(200), as: UTF8.self))"
            )
        }
        return Run(
            standardOutput: Array(stdout), standardError: Array(stderr), exitCode: exitCode,
            instructions: instructions, nanoseconds: nanoseconds,
            compileNanoseconds: compileNanoseconds, tbRuns: tbRuns, compiledModules: compiled)
    }
}

/// The node replay failed.
public struct NodeTBRunError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What went wrong.
    public var message: String
    /// A one-line explanation.
    public var description: String { "node replay: \(message)" }
}

import Foundation
import NativeSwitch

/// A memory-per-idle-fiber measurement for one implementation.
///
/// Each runs in a fresh child process (`switch-bench --memory-probe NAME`):
/// in a process that has already freed memory, new allocations reuse pages
/// that are resident already and the growth would be understated.
struct MemoryProducer: Sendable {
    /// The probe's name on the command line.
    var name: String
    /// Returns nil when the implementation is not available here.
    var measure: @Sendable (BenchConfig) throws -> MemoryFigure?
}

extension MemoryProducer {
    /// Runs this probe in a child process and parses its one-line answer.
    func measureInChild(_ config: BenchConfig) throws -> MemoryFigure? {
        guard let executable = currentExecutable() else {
            return try measure(config)
        }
        let output = try runProcess(executable, ["--memory-probe", name])
        return try MemoryFigure(probeLine: output.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}

/// This program's own executable, to start probes in.
func currentExecutable() -> URL? {
    if FileManager.default.isExecutableFile(atPath: "/proc/self/exe") {
        return URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    }
    return Bundle.main.executableURL
}

/// Every memory measurement, in report order.
enum MemoryProducers {
    static let all: [MemoryProducer] = FiberMemory.producers + [nativeAssembly]

    /// Stack size of each parked native context (a common small fiber stack).
    static let nativeStackBytes = 64 * 1024

    /// Parked native contexts with 64 KiB malloc'd stacks (baseline).
    static let nativeAssembly = MemoryProducer(name: "native-asm") { config in
        guard native_asm_switch_available() != 0, let before = residentBytes() else { return nil }
        printProgress("measuring memory of \(config.idleFiberCount) parked native-asm contexts")
        guard
            let handle = native_asm_idle_contexts_create(
                Int32(config.idleFiberCount), Int64(nativeStackBytes))
        else {
            throw BenchError(description: "could not create \(config.idleFiberCount) native contexts")
        }
        defer { native_asm_idle_contexts_destroy(handle) }
        guard let after = residentBytes() else { return nil }
        return MemoryFigure(
            implementation: "native-asm (64 KiB stacks)", fibers: config.idleFiberCount,
            residentBytesPerFiber: Double(after - before) / Double(config.idleFiberCount),
            allocatedBytesPerFiber: Double(nativeStackBytes))
    }
}

/// The resident set size of this process, from /proc/self/statm (nil elsewhere).
func residentBytes() -> Int? {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return nil }
    let fields = text.split(separator: " ")
    guard fields.count >= 2, let pages = Int(fields[1]) else { return nil }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}

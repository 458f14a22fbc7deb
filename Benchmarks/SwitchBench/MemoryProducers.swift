import Foundation
import NativeSwitch

/// A memory-per-idle-fiber measurement for one implementation.
struct MemoryProducer: Sendable {
    var name: String
    /// Returns nil when the implementation is not available here.
    var measure: @Sendable (BenchConfig) throws -> MemoryFigure?
}

/// Every memory measurement, in report order.
enum MemoryProducers {
    static let all: [MemoryProducer] = [nativeAssembly]

    /// Stack size of each parked native context (a common small fiber stack).
    static let nativeStackBytes = 64 * 1024

    /// Parked native contexts with 64 KiB malloc'd stacks (baseline).
    static let nativeAssembly = MemoryProducer(name: "native-asm memory") { config in
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

import TestSupport
import Testing

@testable import Asyncify

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Long runs that must not grow memory. Sizes are modest by default so the suite
/// stays fast; `scripts/soak.sh` runs them in release mode at full size:
/// `ASYNCIFY_SOAK_SWAPS=10000000` (swaps across 1,000 fibers) and
/// `ASYNCIFY_SOAK_CYCLES` (rounds of 10,000 fibers created and destroyed).
/// `ASYNCIFY_SOAK_RSS_SLACK_MB` is the growth allowed (default 32 MB: other suites
/// running in the same process allocate too; the soak script runs this suite alone
/// with 8 MB).
@Suite(.serialized) struct SoakTests {
    /// Resident memory in bytes (nil where there is no /proc).
    static func residentBytes() -> Int? { ResidentMemory.bytes() }

    static var slack: Int { ResidentMemory.allowedGrowth }

    static func megabytes(_ bytes: Int) -> String { "\(bytes / 1024) KiB" }

    /// 1,000 fibers each count their own activations and yield; the scheduler swaps
    /// round-robin. Every fiber sees exactly its share of the swaps and resident
    /// memory after the run is within the slack of what it was after warm-up.
    @Test func manySwapsAcrossAThousandFibersKeepMemoryFlat() throws {
        let fiberCount = 1000
        let swaps = TestEnvironment.integer("ASYNCIFY_SOAK_SWAPS", default: 100_000)
        // A round trip main -> worker -> main is two swaps.
        let visits = max(swaps / 2, fiberCount)
        let runtime = FiberRuntime()
        let counts = UnsafeMutableBufferPointer<Int>.allocate(capacity: fiberCount)
        defer { counts.deallocate() }
        counts.initialize(repeating: 0)
        let mains = Box<[Fiber]>([])
        var workers: [Fiber] = []
        for k in 0..<fiberCount {
            let worker = runtime.allocateFiber(name: "soak \(k)")
            workers.append(worker)
            try runtime.initialize(worker, asyncifyStackSize: 64) { cx, _ in
                var frame = cx.enter()
                if frame.isRewinding { try frame.restore() }
                while true {
                    if frame.isNormal { counts[k] += 1 }
                    try cx.swap(from: worker, to: mains.value[mains.value.count - 1])
                    if try frame.unwinding(at: 1) { return }
                }
            }
        }
        let allWorkers = workers
        func visit(_ total: Int) throws {
            let main = runtime.makeFiberFromCurrentContext(name: "soak main")
            mains.value.append(main)
            try runtime.run { cx, _ in
                var i = 0
                var frame = cx.enter()
                if frame.isRewinding { i = try frame.restore() }
                while i < total {
                    try cx.swap(from: main, to: allWorkers[i % fiberCount])
                    if try frame.unwinding(at: 1, saving: i) { return }
                    i += 1
                }
            }
        }
        try visit(fiberCount)  // warm-up: every fiber runs once and suspends
        let before = Self.residentBytes()
        try visit(visits)
        let after = Self.residentBytes()
        print(
            "soak: \(2 * visits) swaps across \(fiberCount) fibers; resident memory",
            "at start \(before.map(Self.megabytes) ?? "n/a"), at end \(after.map(Self.megabytes) ?? "n/a")")
        for k in 0..<fiberCount {
            let expected = 1 + visits / fiberCount + (k < visits % fiberCount ? 1 : 0)
            if counts[k] != expected {
                Issue.record("fiber \(k) ran \(counts[k]) times, expected \(expected)")
                break
            }
        }
        if let before, let after { #expect(after - before <= Self.slack) }
    }

    /// Creates 10,000 fibers, runs each to its first swap back, and destroys them
    /// with their runtime, over and over: resident memory after the last round is
    /// within the slack of what it was after the first.
    @Test func tenThousandFibersCreatedAndDestroyedRepeatedly() throws {
        let fiberCount = 10_000
        let cycles = max(TestEnvironment.integer("ASYNCIFY_SOAK_CYCLES", default: 3), 2)
        var resident: [Int] = []
        for _ in 0..<cycles {
            let started = Box(0)
            do {
                let runtime = FiberRuntime()
                let main = runtime.makeFiberFromCurrentContext(name: "creator")
                let fibers = (0..<fiberCount).map { k in
                    runtime.makeFiber(name: "ephemeral \(k)", asyncifyStackSize: 64) { cx, _ in
                        var frame = cx.enter()
                        if frame.isRewinding { try frame.restore() }
                        if frame.isNormal { started.value += 1 }
                        // No capture of `runtime`: its entries would keep it alive.
                        guard let me = cx.currentFiber else { return }
                        try cx.swap(from: me, to: main)
                        if try frame.unwinding(at: 1) { return }
                    }
                }
                try runtime.run { cx, _ in
                    var i = 0
                    var frame = cx.enter()
                    if frame.isRewinding { i = try frame.restore() }
                    while i < fiberCount {
                        try cx.swap(from: main, to: fibers[i])
                        if try frame.unwinding(at: 1, saving: i) { return }
                        i += 1
                    }
                }
                #expect(fibers.allSatisfy { runtime.status(of: $0) == .suspended })
            }
            #expect(started.value == fiberCount)
            if let bytes = Self.residentBytes() { resident.append(bytes) }
        }
        print(
            "soak: \(cycles) x \(fiberCount) fibers created and destroyed; resident memory after each round:",
            resident.map(Self.megabytes).joined(separator: ", "))
        if let first = resident.first, let last = resident.last { #expect(last - first <= Self.slack) }
    }
}

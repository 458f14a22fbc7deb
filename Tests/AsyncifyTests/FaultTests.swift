import Testing

@testable import Asyncify

/// Faults in one fiber among many: the failing fiber is named in the error and
/// marked failed, and every other fiber finishes its work with each of its
/// steps done exactly once (no frame lost, none replayed).
@Suite struct FaultTests {
    struct HostFailure: Error, Equatable { let round: Int }

    static let rounds = 6
    static let workerNames = ["alpha", "bravo", "flaky", "delta"]

    /// A participating "host call": logs `round` (normal path only, so a replayed
    /// frame would log twice) and yields to `main`. When re-entered while rewinding
    /// after round `throwAfter`, it throws before stopping the rewind - a host
    /// function failing in the middle of a rewind.
    static func hostCall(
        _ cx: FiberContext, round: Int, log: Box<[Int]>, me: Fiber, main: Fiber, throwAfter: Int?
    ) throws {
        var frame = cx.enter()
        if frame.isRewinding {
            try frame.restore()
            if round == throwAfter { throw HostFailure(round: round) }
        }
        if frame.isNormal { log.value.append(round) }
        try cx.swap(from: me, to: main)
        if try frame.unwinding(at: 1) { return }
    }

    /// Recurses `depth` levels (12 bytes a frame: call site + one Int) and does a
    /// host call at the bottom.
    static func deep(
        _ cx: FiberContext, depth: Int, round: Int, log: Box<[Int]>, me: Fiber, main: Fiber
    ) throws {
        var depth = depth
        var frame = cx.enter()
        if frame.isRewinding { depth = try frame.restore() }
        if depth == 0 {
            try hostCall(cx, round: round, log: log, me: me, main: main, throwAfter: nil)
            if try frame.unwinding(at: 1, saving: depth) { return }
            return
        }
        try deep(cx, depth: depth - 1, round: round, log: log, me: me, main: main)
        if try frame.unwinding(at: 2, saving: depth) { return }
    }

    /// A scheduler that swaps into each non-failed worker once per round for
    /// `rounds` rounds, logging each swap it makes.
    static func runScheduler(
        _ runtime: FiberRuntime, workers: [Fiber], main: Fiber, schedule: Box<[String]>,
        rounds: Int = FaultTests.rounds
    ) -> FiberEntry {
        { cx, _ in
            var (round, k) = (0, 0)
            var frame = cx.enter()
            if frame.isRewinding { (round, k) = try frame.restore() }
            while round < rounds {
                while k < workers.count {
                    // While rewinding, the interrupted swap must be re-reached whatever
                    // the worker's status is now.
                    if frame.isRewinding || runtime.status(of: workers[k]) != .failed {
                        if frame.isNormal { schedule.value.append("\(round):\(k)") }
                        try cx.swap(from: main, to: workers[k])
                        if try frame.unwinding(at: 1, saving: (round, k)) { return }
                    }
                    k += 1
                }
                k = 0
                round += 1
            }
        }
    }

    /// Four workers round-robin; "flaky"'s host call throws while its frames are
    /// being rewound after round 2. `run` throws `fiberThrew` naming flaky, with the
    /// host's error inside; resuming the scheduler finishes every other worker with
    /// each round logged exactly once.
    @Test func hostErrorDuringRewindFailsOnlyThatFiber() throws {
        let runtime = FiberRuntime()
        let main = runtime.makeFiberFromCurrentContext(name: "scheduler")
        let workers = Self.workerNames.map { runtime.allocateFiber(name: $0) }
        let logs = workers.map { _ in Box<[Int]>([]) }
        for (k, worker) in workers.enumerated() {
            let throwAfter = Self.workerNames[k] == "flaky" ? 2 : nil
            try runtime.initialize(worker, asyncifyStackSize: 256) { cx, _ in
                var round = 0
                var frame = cx.enter()
                if frame.isRewinding { round = try frame.restore() }
                while true {
                    try Self.hostCall(
                        cx, round: round, log: logs[k], me: worker, main: main, throwAfter: throwAfter)
                    if try frame.unwinding(at: 1, saving: round) { return }
                    round += 1
                }
            }
        }
        let schedule = Box<[String]>([])
        let error = #expect(throws: FiberError.self) {
            try runtime.run(Self.runScheduler(runtime, workers: workers, main: main, schedule: schedule))
        }
        #expect(error?.reason == .fiberThrew)
        #expect(error?.fiber == workers[2])
        #expect(error?.message.contains("flaky") == true)
        #expect(error?.underlying as? HostFailure == HostFailure(round: 2))
        #expect(runtime.status(of: workers[2]) == .failed)
        #expect(runtime.state == .normal)

        try runtime.resume(main)
        #expect(runtime.status(of: main) == .finished)
        for k in [0, 1, 3] { #expect(logs[k].value == Array(0..<Self.rounds), "\(Self.workerNames[k])") }
        #expect(logs[2].value == [0, 1, 2])
        // The scheduler itself swapped once per (round, live worker), never twice.
        let expected = (0..<Self.rounds).flatMap { r in
            (0..<4).filter { r <= 3 || $0 != 2 }.map { "\(r):\($0)" }
        }
        #expect(schedule.value == expected)
    }

    /// "greedy" recurses one level deeper every round in a 100-byte buffer: round r
    /// saves its entry frame and r + 1 levels (12 bytes each: call site + Int) plus
    /// the host call's 4-byte frame, 12r + 28 bytes, so round 6 fills the buffer
    /// exactly and round 7 (112 bytes) overflows while unwinding. The overflow names greedy; the others finish every round.
    @Test func overflowInOneFiberLetsTheOthersFinish() throws {
        let runtime = FiberRuntime()
        let main = runtime.makeFiberFromCurrentContext(name: "scheduler")
        let names = ["alpha", "greedy", "charlie"]
        let workers = names.map { runtime.allocateFiber(name: $0) }
        let logs = workers.map { _ in Box<[Int]>([]) }
        for (k, worker) in workers.enumerated() {
            let greedy = names[k] == "greedy"
            try runtime.initialize(worker, asyncifyStackSize: greedy ? 100 : 4096) { cx, _ in
                var round = 0
                var frame = cx.enter()
                if frame.isRewinding { round = try frame.restore() }
                while true {
                    try Self.deep(
                        cx, depth: greedy ? round : 3, round: round, log: logs[k], me: worker, main: main)
                    if try frame.unwinding(at: 1, saving: round) { return }
                    round += 1
                }
            }
        }
        let rounds = 10
        let schedule = Box<[String]>([])
        let scheduler = Self.runScheduler(
            runtime, workers: workers, main: main, schedule: schedule, rounds: rounds)
        let error = #expect(throws: FiberError.self) { try runtime.run(scheduler) }
        #expect(error?.reason == .asyncifyStackOverflow)
        #expect(error?.fiber == workers[1])
        #expect(error?.message.contains("greedy") == true)
        #expect(runtime.status(of: workers[1]) == .failed)

        try runtime.resume(main)
        #expect(runtime.status(of: main) == .finished)
        #expect(logs[0].value == Array(0..<rounds))
        #expect(logs[2].value == Array(0..<rounds))
        // Round 7's host call ran (it logs before swapping); its unwind overflowed.
        #expect(logs[1].value == Array(0...7))
        #expect(schedule.value.filter { $0.hasSuffix(":1") }.count == 8)
        #expect(try pingPongRounds(on: runtime, rounds: 3) == 3)
    }
}

import Testing

@testable import Asyncify

/// Binaryen's coroutine test shape: fibers with their own data buffers,
/// round-robin scheduling, deep recursion and many swaps.
@Suite struct CoroutineTests {
    /// The three generators, computed plainly (no fibers) for the expected values.
    static func squares(_ n: Int) -> [Int] { (1...n).map { $0 * $0 } }
    static func triangular(_ n: Int) -> [Int] {
        var total = 0
        return (1...n).map {
            total += $0
            return total
        }
    }
    static func collatz(_ n: Int) -> [Int] {
        var x = 27
        return (0..<n).map { _ in
            x = x % 2 == 0 ? x / 2 : 3 * x + 1
            return x
        }
    }

    /// Yields `value` from `me` to the scheduler: a participating helper, so each
    /// generator suspends two frames deep.
    static func yield(_ cx: FiberContext, _ value: Int, into slot: Box<Int>, from me: Fiber, to main: Fiber)
        throws(FiberError)
    {
        var frame = cx.enter()
        if frame.isRewinding { try frame.restore() }
        if frame.isNormal { slot.value = value }
        try cx.swap(from: me, to: main)
        if try frame.unwinding(at: 1) { return }
    }

    /// Three generator fibers, each with its own Asyncify buffer, run round-robin
    /// for 12 rounds; the scheduler sees exactly the interleaving of the three
    /// sequences computed without fibers.
    @Test func threeGeneratorsRunRoundRobin() throws {
        let rounds = 12
        let runtime = FiberRuntime()
        let slot = Box(0)
        let seen = Box<[Int]>([])
        let main = runtime.makeFiberFromCurrentContext(name: "scheduler")
        let generators = (0..<3).map { runtime.allocateFiber(name: "generator \($0)") }
        // Squares: state is the counter n.
        try runtime.initialize(generators[0], asyncifyStackSize: 64) { cx, _ in
            var n = 1
            var frame = cx.enter()
            if frame.isRewinding { n = try frame.restore() }
            while true {
                try Self.yield(cx, n * n, into: slot, from: generators[0], to: main)
                if try frame.unwinding(at: 1, saving: n) { return }
                n += 1
            }
        }
        // Triangular numbers: state is (n, total).
        try runtime.initialize(generators[1], asyncifyStackSize: 64) { cx, _ in
            var (n, total) = (1, 0)
            var frame = cx.enter()
            if frame.isRewinding { (n, total) = try frame.restore() }
            while true {
                if frame.isNormal { total += n }
                try Self.yield(cx, total, into: slot, from: generators[1], to: main)
                if try frame.unwinding(at: 1, saving: (n, total)) { return }
                n += 1
            }
        }
        // Collatz from 27: state is x.
        try runtime.initialize(generators[2], asyncifyStackSize: 64) { cx, _ in
            var x = 27
            var frame = cx.enter()
            if frame.isRewinding { x = try frame.restore() }
            while true {
                if frame.isNormal { x = x % 2 == 0 ? x / 2 : 3 * x + 1 }
                try Self.yield(cx, x, into: slot, from: generators[2], to: main)
                if try frame.unwinding(at: 1, saving: x) { return }
            }
        }
        try runtime.run { cx, _ in
            var (round, k) = (0, 0)
            var frame = cx.enter()
            if frame.isRewinding { (round, k) = try frame.restore() }
            while round < rounds {
                while k < 3 {
                    try cx.swap(from: main, to: generators[k])
                    if try frame.unwinding(at: 1, saving: (round, k)) { return }
                    seen.value.append(slot.value)
                    k += 1
                }
                k = 0
                round += 1
            }
        }
        let (s, t, c) = (Self.squares(rounds), Self.triangular(rounds), Self.collatz(rounds))
        let expected = (0..<rounds).flatMap { [s[$0], t[$0], c[$0]] }
        #expect(seen.value == expected)
        // Each suspended generator holds its own frame and the yield frame.
        for generator in generators {
            let record = try #require(runtime.record(of: generator))
            #expect(record.status == .suspended)
            #expect(record.data.bytesUsed > 0)
        }
        let buffers = Set(generators.compactMap { runtime.record(of: $0)?.data.start })
        #expect(buffers.count == 3)
    }

    /// Sums n + (n-1) + ... + 1 recursively, swapping to `main` three times at the
    /// bottom; every level keeps `n` across the swaps.
    static func sumDown(_ cx: FiberContext, _ n: Int, me: Fiber, main: Fiber) throws(FiberError) -> Int {
        var n = n
        var swaps = 0
        var frame = cx.enter()
        if frame.isRewinding { (n, swaps) = try frame.restore() }
        if n == 0 {
            while swaps < 3 {
                try cx.swap(from: me, to: main)
                if try frame.unwinding(at: 1, saving: (n, swaps)) { return 0 }
                swaps += 1
            }
            return 0
        }
        let below = try sumDown(cx, n - 1, me: me, main: main)
        if try frame.unwinding(at: 2, saving: (n, swaps)) { return 0 }
        return n + below
    }

    /// Recursion 1,000 deep with swaps at the bottom: the buffer holds one
    /// 20-byte frame (4-byte call site + two Ints) per level plus the entry's, and
    /// the sum comes out as n(n+1)/2.
    @Test func recursionThousandDeepSwapsAtTheBottom() throws {
        let depth = 1000
        let runtime = FiberRuntime()
        let result = Box(-1)
        let bytesWhileSuspended = Box<[Int]>([])
        let main = runtime.makeFiberFromCurrentContext(name: "main")
        let worker = runtime.allocateFiber(name: "recursive")
        try runtime.initialize(worker, asyncifyStackSize: 32 * 1024) { cx, _ in
            var frame = cx.enter()
            if frame.isRewinding { try frame.restore() }
            let sum = try Self.sumDown(cx, depth, me: worker, main: main)
            if try frame.unwinding(at: 1) { return }
            result.value = sum
            try cx.swap(from: worker, to: main)  // never rewound in this test
            if try frame.unwinding(at: 2) { return }
        }
        try runtime.run { cx, _ in
            var i = 0
            var frame = cx.enter()
            if frame.isRewinding { i = try frame.restore() }
            while i < 4 {
                if frame.isNormal, let record = runtime.record(of: worker), record.status == .suspended {
                    bytesWhileSuspended.value.append(record.data.bytesUsed)
                }
                try cx.swap(from: main, to: worker)
                if try frame.unwinding(at: 1, saving: i) { return }
                i += 1
            }
        }
        #expect(result.value == depth * (depth + 1) / 2)
        let perLevel = MemoryLayout<Int32>.size + 2 * MemoryLayout<Int>.size
        let suspendedAtBottom = (depth + 1) * perLevel + MemoryLayout<Int32>.size
        #expect(bytesWhileSuspended.value == [suspendedAtBottom, suspendedAtBottom, suspendedAtBottom])
    }

    /// One fiber swapped 10^6 times (500,000 round trips with main): its own
    /// counter, kept in its frame, agrees with main's.
    @Test func oneFiberSwappedAMillionTimes() throws {
        let roundTrips = 500_000
        let runtime = FiberRuntime()
        let result = try pingPong(on: runtime, rounds: roundTrips)
        #expect(result.mainRounds == roundTrips)
        #expect(result.peerRounds == roundTrips)
        // 2 swaps per round trip: the peer's buffer is back to one frame.
        #expect(runtime.record(of: result.peer)?.data.bytesUsed == 12)
    }

    /// Side effects before the interrupted call happen once per activation, never
    /// again on rewind: three nested levels, the innermost swapping five times.
    @Test func rewindReExecutesNothingBeforeTheInterruptedCall() throws {
        let runtime = FiberRuntime()
        let before = Box([0, 0, 0])
        let after = Box([0, 0, 0])
        let main = runtime.makeFiberFromCurrentContext(name: "main")
        let worker = runtime.allocateFiber(name: "worker")

        func level(_ cx: FiberContext, _ k: Int) throws(FiberError) {
            var frame = cx.enter()
            var iteration = 0
            if frame.isRewinding { iteration = try frame.restore() }
            if frame.isNormal { before.value[k] += 1 }
            if k < 2 {
                try level(cx, k + 1)
                if try frame.unwinding(at: 1, saving: iteration) { return }
            } else {
                while iteration < 5 {
                    if frame.isNormal { before.value[k] += 1 }
                    try cx.swap(from: worker, to: main)
                    if try frame.unwinding(at: 2, saving: iteration) { return }
                    iteration += 1
                }
            }
            after.value[k] += 1
        }

        try runtime.initialize(worker) { cx, _ in
            var frame = cx.enter()
            if frame.isRewinding { try frame.restore() }
            try level(cx, 0)
            if try frame.unwinding(at: 1) { return }
            try cx.swap(from: worker, to: main)
            if try frame.unwinding(at: 2) { return }
        }
        try swapRepeatedly(on: runtime, from: main, into: worker, times: 6)
        // Levels 0 and 1 ran their prologue once; level 2 once plus 5 loop bodies.
        #expect(before.value == [1, 1, 6])
        #expect(after.value == [1, 1, 1])
    }
}

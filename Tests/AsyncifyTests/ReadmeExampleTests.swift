import Testing

@testable import Asyncify

/// The README's examples, compiled and run (printing into `log` instead of stdout).
@Suite struct ReadmeExampleTests {
    /// Logs 0, 1, 2, ... one number per visit, keeping `i` across swaps.
    static func countUp(_ cx: FiberContext, me: Fiber, main: Fiber, log: Output) throws(FiberError) {
        var i = 0
        var frame = cx.enter()
        if frame.isRewinding { i = try frame.restore() }  // pop [call site][i]
        while true {
            if frame.isNormal { log.text += "\(i) " }  // not re-run on rewind
            try cx.swap(from: me, to: main)  // call site 1
            if try frame.unwinding(at: 1, saving: i) { return }  // push [1][i], return
            i += 1
        }
    }

    /// Sums n...1, suspending at the bottom; every level keeps its n.
    static func sum(_ cx: FiberContext, _ n: Int, me: Fiber, main: Fiber) throws(FiberError) -> Int {
        var n = n
        var frame = cx.enter()
        if frame.isRewinding { n = try frame.restore() }
        if n == 0 {
            try cx.swap(from: me, to: main)  // call site 1
            _ = try frame.unwinding(at: 1, saving: n)
            return 0
        }
        let rest = try sum(cx, n - 1, me: me, main: main)  // call site 2
        if try frame.unwinding(at: 2, saving: n) { return 0 }
        return n + rest
    }

    /// Visits the worker `rounds` times.
    static func mainLoop(_ cx: FiberContext, me: Fiber, worker: Fiber, rounds: Int) throws(FiberError) {
        var round = 0
        var frame = cx.enter()
        if frame.isRewinding { round = try frame.restore() }
        while round < rounds {
            try cx.swap(from: me, to: worker)
            if try frame.unwinding(at: 1, saving: round) { return }
            round += 1
        }
    }

    @Test func loopExampleCountsAcrossSwaps() throws {
        let log = Output()
        let runtime = FiberRuntime()
        let main = runtime.makeFiberFromCurrentContext(name: "main")
        let worker = runtime.allocateFiber(name: "worker")
        try runtime.initialize(worker) { cx, _ in try Self.countUp(cx, me: worker, main: main, log: log) }
        try runtime.run { cx, _ in try Self.mainLoop(cx, me: main, worker: worker, rounds: 3) }
        #expect(log.text == "0 1 2 ")
    }

    @Test func recursiveExampleSumsAcrossASwap() throws {
        let result = Box(0)
        let runtime = FiberRuntime()
        let main = runtime.makeFiberFromCurrentContext(name: "main")
        let worker = runtime.allocateFiber(name: "summer")
        try runtime.initialize(worker) { cx, _ in
            var frame = cx.enter()
            if frame.isRewinding { try frame.restore() }
            let total = try Self.sum(cx, 100, me: worker, main: main)
            if try frame.unwinding(at: 1) { return }
            result.value = total
            try cx.swap(from: worker, to: main)  // an entry never returns: park here
            _ = try frame.unwinding(at: 2)
        }
        try runtime.run { cx, _ in try Self.mainLoop(cx, me: main, worker: worker, rounds: 2) }
        #expect(result.value == 5050)
    }
}

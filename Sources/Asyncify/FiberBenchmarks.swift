/// Workloads for `switch-bench`: two fibers that each sit at a given call depth
/// of participating Swift frames and swap back and forth.
public enum FiberBenchmarks {
    /// What ``swapLoop(depth:swaps:)`` measured.
    public struct SwapLoopResult: Sendable {
        /// Participating Swift frames between the trampoline and each swap (>= 1).
        public let depth: Int
        /// One-way swaps performed (each unwinds `depth` frames and rewinds `depth`).
        public let swaps: Int
        /// Wall time of the whole loop, in nanoseconds.
        public let nanoseconds: Double
        /// Asyncify buffer bytes one suspended fiber holds at this depth.
        public let bytesSuspended: Int
        /// Asyncify buffer bytes per frame (bytes suspended / depth).
        public var bytesPerFrame: Double { Double(bytesSuspended) / Double(depth) }
        /// Nanoseconds per one-way swap.
        public var nanosecondsPerSwap: Double { nanoseconds / Double(max(swaps, 1)) }
    }

    /// What one fiber of the ping-pong pair knows: itself, its peer, main, its
    /// depth, and the shared swap budget.
    struct Side {
        var me: Fiber
        var peer: Fiber
        var main: Fiber
        var depth: Int
        var budget: UnsafeMutablePointer<Budget>
    }

    /// The shared swap budget and count.
    struct Budget {
        var swapsLeft: Int
        var swaps: Int
    }

    /// Runs `swaps` one-way swaps between two fibers whose swap calls sit `depth`
    /// participating frames deep, and times them.
    ///
    /// - Parameters:
    ///   - depth: Frames per fiber, at least 1 (the entry function itself).
    ///   - swaps: One-way swaps to perform.
    /// - Returns: The timing and buffer use.
    /// - Throws: ``FiberError`` if the fibers fail (they should not).
    public static func swapLoop(depth: Int, swaps: Int) throws(FiberError) -> SwapLoopResult {
        let depth = max(depth, 1)
        let runtime = FiberRuntime()
        let budget = UnsafeMutablePointer<Budget>.allocate(capacity: 1)
        budget.initialize(to: Budget(swapsLeft: swaps, swaps: 0))
        let sides = UnsafeMutablePointer<Side>.allocate(capacity: 2)
        defer {
            budget.deallocate()
            sides.deallocate()
        }
        let main = runtime.makeFiberFromCurrentContext(name: "main", asyncifyStackSize: 64)
        let size = 64 + 16 * depth
        // Non-capturing entries: the trampoline calls them with no context to retain.
        let entry: FiberEntry = { cx, argument in
            let side = argument.unsafelyUnwrapped.assumingMemoryBound(to: Side.self)
            try level(cx, side.pointee.depth, side)
        }
        let a = runtime.makeFiber(name: "a", asyncifyStackSize: size, argument: sides, entry: entry)
        let b = runtime.makeFiber(name: "b", asyncifyStackSize: size, argument: sides + 1, entry: entry)
        sides.initialize(to: Side(me: a, peer: b, main: main, depth: depth, budget: budget))
        (sides + 1).initialize(to: Side(me: b, peer: a, main: main, depth: depth, budget: budget))
        let clock = ContinuousClock()
        let start = clock.now
        try runtime.run { cx, _ in
            var frame = cx.enter()
            if frame.isRewinding { try frame.restore() }
            if frame.isNormal { budget.pointee.swaps &+= 1 }
            try cx.swap(from: main, to: a)
            if try frame.unwinding(at: 1) { return }
        }
        let elapsed = start.duration(to: clock.now)
        let nanoseconds =
            Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
        // Both fibers are now suspended at full depth.
        let bytesSuspended = runtime.record(of: a)?.data.bytesUsed ?? 0
        return SwapLoopResult(
            depth: depth, swaps: budget.pointee.swaps, nanoseconds: nanoseconds,
            bytesSuspended: bytesSuspended)
    }

    /// One participating frame; the frame at level 1 loops, swapping to the peer
    /// until the budget is spent, then to main.
    static func level(_ cx: FiberContext, _ level: Int, _ side: UnsafeMutablePointer<Side>)
        throws(FiberError)
    {
        var level = level
        var frame = cx.enter()
        if frame.isRewinding { level = try frame.restore() }
        if level > 1 {
            try Self.level(cx, level - 1, side)
            _ = try frame.unwinding(at: 1, saving: level)
            return
        }
        while true {
            var target = side.pointee.peer
            if frame.isNormal {
                let budget = side.pointee.budget
                budget.pointee.swaps &+= 1
                budget.pointee.swapsLeft &-= 1
                if budget.pointee.swapsLeft <= 0 { target = side.pointee.main }
            }
            try cx.swap(from: side.pointee.me, to: target)
            if try frame.unwinding(at: 2, saving: level) { return }
        }
    }
}

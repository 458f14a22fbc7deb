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

    /// Shared state of the ping-pong pair.
    struct PingPong {
        var fibers: (main: Fiber, a: Fiber, b: Fiber)
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
        let state = UnsafeMutablePointer<PingPong>.allocate(capacity: 1)
        defer { state.deallocate() }
        let main = runtime.makeFiberFromCurrentContext(name: "main", asyncifyStackSize: 64)
        let size = 64 + 16 * depth
        let a = runtime.makeFiber(
            name: "a", asyncifyStackSize: size, argument: UnsafeMutableRawPointer(state)
        ) {
            cx, argument in
            try level(cx, depth, argument.unsafelyUnwrapped.assumingMemoryBound(to: PingPong.self), isA: true)
        }
        let b = runtime.makeFiber(
            name: "b", asyncifyStackSize: size, argument: UnsafeMutableRawPointer(state)
        ) {
            cx, argument in
            try level(
                cx, depth, argument.unsafelyUnwrapped.assumingMemoryBound(to: PingPong.self), isA: false)
        }
        state.initialize(to: PingPong(fibers: (main, a, b), swapsLeft: swaps, swaps: 0))
        let clock = ContinuousClock()
        let start = clock.now
        try runtime.run { cx, _ in
            var frame = cx.enter()
            if frame.isRewinding { try frame.restore() }
            if frame.isNormal { state.pointee.swaps &+= 1 }
            try cx.swap(from: main, to: a)
            if try frame.unwinding(at: 1) { return }
        }
        let elapsed = start.duration(to: clock.now)
        let nanoseconds =
            Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
        // Both fibers are now suspended at full depth.
        let bytesSuspended = runtime.record(of: a)?.data.bytesUsed ?? 0
        return SwapLoopResult(
            depth: depth, swaps: state.pointee.swaps, nanoseconds: nanoseconds, bytesSuspended: bytesSuspended
        )
    }

    /// One participating frame; the frame at level 1 loops, swapping to the peer
    /// until the swap budget is spent, then to main.
    static func level(
        _ cx: FiberContext, _ level: Int, _ state: UnsafeMutablePointer<PingPong>, isA: Bool
    ) throws(FiberError) {
        var level = level
        var frame = cx.enter()
        if frame.isRewinding { level = try frame.restore() }
        if level > 1 {
            try Self.level(cx, level - 1, state, isA: isA)
            if try frame.unwinding(at: 1, saving: level) { return }
            return
        }
        let me = isA ? state.pointee.fibers.a : state.pointee.fibers.b
        while true {
            var target = isA ? state.pointee.fibers.b : state.pointee.fibers.a
            if frame.isNormal {
                state.pointee.swaps &+= 1
                if state.pointee.swapsLeft <= 1 { target = state.pointee.fibers.main }
                state.pointee.swapsLeft &-= 1
            }
            try cx.swap(from: me, to: target)
            if try frame.unwinding(at: 2, saving: level) { return }
        }
    }
}

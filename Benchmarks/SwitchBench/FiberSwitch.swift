import Asyncify

/// Our fibers (the `Asyncify` fiber core), used from outside the module the way
/// a user would: two fibers ping-pong, each first recursing `depth`
/// participating Swift frames and then swapping in a loop at the bottom, so
/// every one-way swap unwinds `depth` frames (plus the export's) of one fiber
/// into its Asyncify buffer and rewinds the other's.
enum FiberSwitch {
    static let implementation = "asyncify-fiber"

    static let producer = MeasurementProducer(
        name: implementation,
        kind: .probes { config in
            try config.depths.map { depth in
                // The buffer use is the same on every run: take it from a short one.
                let bytes = try pingPong(depth: depth, roundTrips: 1).bytesSuspended
                return Probe(
                    implementation: implementation, depth: depth, swapsPerIteration: 2, asyncifyBytes: bytes
                ) { iterations in
                    try pingPong(depth: depth, roundTrips: Int(iterations)).nanoseconds
                }
            }
        })

    /// One side of the ping-pong, passed to its fiber as the argument.
    struct Side {
        var me: Fiber
        var peer: Fiber
        var depth: Int
        var roundTrips: Int
        /// Swaps this side has started (counted in state normal only).
        var swaps = 0
    }

    /// Runs `roundTrips` round trips (two one-way swaps each) and returns the
    /// elapsed time and the bytes the suspended worker holds in its buffer.
    static func pingPong(depth: Int, roundTrips: Int) throws -> (nanoseconds: Int64, bytesSuspended: Int) {
        let runtime = FiberRuntime()
        let bufferSize = 256 + 32 * depth
        let sides = UnsafeMutablePointer<Side>.allocate(capacity: 2)
        defer { sides.deallocate() }
        let main = runtime.makeFiberFromCurrentContext(name: "main", asyncifyStackSize: bufferSize)
        // The exports capture their side: like Emscripten, a rewind re-calls an
        // export without its original argument.
        let worker = runtime.makeFiber(name: "worker", asyncifyStackSize: bufferSize) { cx, _ in
            try descend(cx, sides + 1)
        }
        sides.initialize(to: Side(me: main, peer: worker, depth: depth, roundTrips: roundTrips))
        // The worker never runs out: main decides when the loop ends.
        (sides + 1).initialize(to: Side(me: worker, peer: main, depth: depth, roundTrips: Int.max))
        let start = ContinuousClock.now
        try runtime.run { cx, _ in
            var frame = cx.enter()
            if frame.isRewinding { try frame.restore() as Void }
            try descend(cx, sides)
            if try frame.unwinding(at: 1, saving: ()) { return }
        }
        let elapsed = nanoseconds(since: start)
        let bytes = runtime.record(of: worker)?.data.bytesUsed ?? 0
        // The figure is only worth printing if the fibers really alternated.
        guard sides[0].swaps == roundTrips, sides[1].swaps == roundTrips,
            runtime.status(of: worker) == .suspended
        else {
            throw BenchError(
                description: "asyncify-fiber at depth \(depth): main swapped \(sides[0].swaps) times and "
                    + "the worker \(sides[1].swaps) times, expected \(roundTrips) each")
        }
        return (elapsed, bytes)
    }

    /// Puts `depth` participating frames on the stack: `depth - 1` recursion
    /// frames and the swap loop. (The choice depends only on `depth`, which
    /// never changes, so a rewind takes the same path.)
    static func descend(_ cx: FiberContext, _ side: UnsafeMutablePointer<Side>) throws {
        if side.pointee.depth > 1 {
            try down(cx, side, level: side.pointee.depth - 1)
        } else {
            try swapLoop(cx, side)
        }
    }

    /// A participating recursion frame; below level 1 sits the swap loop.
    static func down(_ cx: FiberContext, _ side: UnsafeMutablePointer<Side>, level: Int) throws {
        var level = level
        var frame = cx.enter()
        if frame.isRewinding { level = try frame.restore() }
        if level > 1 {
            try down(cx, side, level: level - 1)
            if try frame.unwinding(at: 1, saving: level) { return }
        } else {
            try swapLoop(cx, side)
            if try frame.unwinding(at: 2, saving: level) { return }
        }
    }

    /// The bottom: swap to the peer until the round trips are done.
    static func swapLoop(_ cx: FiberContext, _ side: UnsafeMutablePointer<Side>) throws {
        var remaining = side.pointee.roundTrips
        var frame = cx.enter()
        if frame.isRewinding { remaining = try frame.restore() }
        while remaining > 0 {
            if frame.isNormal { side.pointee.swaps &+= 1 }
            try cx.swap(from: side.pointee.me, to: side.pointee.peer)
            if try frame.unwinding(at: 1, saving: remaining) { return }
            remaining &-= 1
        }
    }
}

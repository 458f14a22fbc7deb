import Synchronization

/// Swift concurrency's switch: two tasks hand control to each other through
/// `UnsafeContinuation`s. Each task first recurses `depth` async frames.
enum AsyncHandoff {
    static let producer = MeasurementProducer(
        name: "swift-async",
        kind: .probes { config in
            config.depths.map { depth in
                Probe(implementation: "swift-async", depth: depth, swapsPerIteration: 2) { iterations in
                    await pingPongNanoseconds(depth: depth, roundTrips: iterations)
                }
            }
        })

    /// Elapsed nanoseconds for `roundTrips` round trips (two handoffs each).
    static func pingPongNanoseconds(depth: Int, roundTrips: Int64) async -> Int64 {
        let toPonger = Baton()
        let toPinger = Baton()
        let ponger = Task.detached {
            await recurse(depth) {
                toPinger.signal()  // ready: the ponger sits at the bottom
                for _ in 0..<roundTrips {
                    await toPonger.wait()
                    toPinger.signal()
                }
            }
        }
        let ns = await recurse(depth) { () async -> Int64 in
            await toPinger.wait()
            let start = ContinuousClock.now
            for _ in 0..<roundTrips {
                toPonger.signal()
                await toPinger.wait()
            }
            return nanoseconds(since: start)
        }
        await ponger.value
        return ns
    }

    /// Runs `body` below `depth - 1` extra async frames.
    @inline(never)
    static func recurse<T: Sendable>(_ depth: Int, _ body: () async -> T) async -> T {
        if depth <= 1 { return await body() }
        let value = await recurse(depth - 1, body)
        blackHole(depth)
        return value
    }
}

/// A one-shot-at-a-time wake-up between two tasks.
final class Baton: Sendable {
    private enum State {
        case idle
        case waiting(UnsafeContinuation<Void, Never>)
        case signalled
    }

    private let state = Mutex<State>(.idle)

    /// Wakes the waiter, or lets the next `wait` return at once.
    func signal() {
        let waiter = state.withLock { state -> UnsafeContinuation<Void, Never>? in
            switch state {
            case .waiting(let continuation):
                state = .idle
                return continuation
            case .idle, .signalled:
                state = .signalled
                return nil
            }
        }
        waiter?.resume()
    }

    /// Suspends until `signal` (returns at once if it already happened).
    func wait() async {
        await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
            let alreadySignalled = state.withLock { state -> Bool in
                if case .signalled = state {
                    state = .idle
                    return true
                }
                state = .waiting(continuation)
                return false
            }
            if alreadySignalled { continuation.resume() }
        }
    }
}

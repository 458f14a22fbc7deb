/// Calibrates and repeats a timed loop.
///
/// A body runs `iterations` round trips and returns the elapsed nanoseconds
/// of its loop (or nil on failure). The sampler doubles `iterations` until one
/// run lasts `minRunNanoseconds`, then records `runs` runs.
struct Sampler {
    var runs: Int
    var minRunNanoseconds: Int64
    /// One-way swaps per iteration of the body (2 for a ping-pong round trip).
    var swapsPerIteration: Int

    init(_ config: BenchConfig, swapsPerIteration: Int) {
        runs = config.runs
        minRunNanoseconds = config.minRunNanoseconds
        self.swapsPerIteration = swapsPerIteration
    }

    private static let maximumIterations: Int64 = 1 << 34

    /// Nanoseconds per one-way swap, one value per run.
    func sample(_ body: (Int64) throws -> Int64?) throws -> [Double] {
        var iterations: Int64 = 16
        while true {
            guard let ns = try body(iterations) else { throw BenchError(description: "the loop failed") }
            if ns >= minRunNanoseconds || iterations >= Self.maximumIterations { break }
            iterations *= ns < minRunNanoseconds / 16 ? 8 : 2
        }
        var result: [Double] = []
        for _ in 0..<runs {
            guard let ns = try body(iterations) else { throw BenchError(description: "the loop failed") }
            result.append(Double(ns) / Double(iterations * Int64(swapsPerIteration)))
        }
        return result
    }

    /// The same for an async body.
    func sample(_ body: (Int64) async throws -> Int64?) async throws -> [Double] {
        var iterations: Int64 = 16
        while true {
            guard let ns = try await body(iterations) else {
                throw BenchError(description: "the loop failed")
            }
            if ns >= minRunNanoseconds || iterations >= Self.maximumIterations { break }
            iterations *= ns < minRunNanoseconds / 16 ? 8 : 2
        }
        var result: [Double] = []
        for _ in 0..<runs {
            guard let ns = try await body(iterations) else {
                throw BenchError(description: "the loop failed")
            }
            result.append(Double(ns) / Double(iterations * Int64(swapsPerIteration)))
        }
        return result
    }
}

/// Nanoseconds elapsed since `start` on the monotonic clock.
func nanoseconds(since start: ContinuousClock.Instant) -> Int64 {
    let (seconds, attoseconds) = start.duration(to: .now).components
    return seconds &* 1_000_000_000 &+ attoseconds / 1_000_000_000
}

/// One row of the benchmark: one implementation at one call depth.
///
/// `samples` holds nanoseconds per one-way swap, one value per run.
struct Measurement: Sendable {
    /// Implementation name as printed and written to CSV (`native-asm`, ...).
    var implementation: String
    /// Frames on each side's stack when the swap happens.
    var depth: Int
    /// Nanoseconds per one-way swap, one per run.
    var samples: [Double]
    /// Bytes of Asyncify data one unwound side occupies at this depth, when known.
    var asyncifyBytes: Int?

    /// The median of `samples` (mean of the middle two for an even count).
    var median: Double {
        let sorted = samples.sorted()
        guard !sorted.isEmpty else { return .nan }
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }

    /// The fastest run.
    var minimum: Double { samples.min() ?? .nan }
}

/// What every producer is given: how hard to measure.
struct BenchConfig: Sendable {
    /// Depths at which switches are measured.
    var depths: [Int]
    /// Repetitions per measurement.
    var runs: Int
    /// Each run lasts at least this long, to stay far above timer resolution.
    var minRunNanoseconds: Int64
    /// Fibers created for the memory-per-idle-fiber figure.
    var idleFiberCount: Int
}

/// One timed loop: an implementation at one depth.
///
/// `run(iterations)` performs that many iterations (a ping-pong round trip, or
/// one call) and returns the elapsed nanoseconds of the loop alone, or nil when
/// the loop did not do what it should (the row is then dropped as a failure).
struct Probe: Sendable {
    var implementation: String
    var depth: Int
    /// One-way swaps per iteration (2 for a ping-pong round trip).
    var swapsPerIteration: Int
    /// Bytes of Asyncify data one suspended side holds at this depth, when known.
    var asyncifyBytes: Int?
    var run: @Sendable (Int64) async throws -> Int64?
}

/// A source of measurements: a named implementation. New rows (TB frames,
/// instrumented modules) are added by appending a producer to `Producers.all`.
struct MeasurementProducer: Sendable {
    /// How the rows are measured.
    enum Kind: Sendable {
        /// Timed loops in this process. The runner calibrates every probe and
        /// then interleaves their runs, so a burst of load from elsewhere on a
        /// shared machine hits every implementation alike and the ratios hold.
        case probes(@Sendable (BenchConfig) throws -> [Probe])
        /// Measured by something that does every depth at once, such as another
        /// program: set up (and calibrate) once, then run one round per round of
        /// the probes. nil means "not available here" (say why on stderr).
        case rounds(@Sendable (BenchConfig) async throws -> RoundSource?)
    }

    /// Implementation name, for progress messages.
    var name: String
    var kind: Kind
}

/// Rows measured together, one round at a time (see `MeasurementProducer.Kind.rounds`).
struct RoundSource: Sendable {
    var name: String
    /// One round: one row per depth, each with a single sample.
    var runRound: @Sendable () async throws -> [Measurement]
}

/// A benchmark that could not run, with the reason (printed, then skipped).
struct BenchError: Error, CustomStringConvertible {
    var description: String
}

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
    /// The implementation its rows carry (a failure drops them all).
    var name: String
    /// One round: one row per depth, each with a single sample.
    var runRound: @Sendable () async throws -> [Measurement]
}

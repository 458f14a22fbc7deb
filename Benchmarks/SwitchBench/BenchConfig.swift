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

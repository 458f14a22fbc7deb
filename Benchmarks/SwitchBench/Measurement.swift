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

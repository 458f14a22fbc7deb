/// A memory-per-idle-fiber measurement for one implementation.
struct MemoryProducer: Sendable {
    var name: String
    /// Returns nil when the implementation is not available.
    var measure: @Sendable (BenchConfig) throws -> MemoryFigure?
}

/// Every memory measurement, in report order.
enum MemoryProducers {
    static let all: [MemoryProducer] = []
}

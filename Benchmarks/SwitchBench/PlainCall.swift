/// A plain, non-inlined Swift function call: the floor any switch is compared to.
enum PlainCall {
    static let producer = MeasurementProducer(
        name: "swift-call",
        kind: .probes { _ in
            [
                Probe(implementation: "swift-call", depth: 1, swapsPerIteration: 1) { iterations in
                    var accumulator = 0
                    let start = ContinuousClock.now
                    for _ in 0..<iterations {
                        accumulator = opaqueCallee(accumulator)
                    }
                    let ns = nanoseconds(since: start)
                    blackHole(accumulator)
                    return ns
                }
            ]
        })
}

/// The callee: a dependency chain through it keeps every call alive.
@inline(never)
func opaqueCallee(_ value: Int) -> Int {
    value &+ 1
}

/// Where `blackHole` stores: a global write the optimiser must keep.
nonisolated(unsafe) var blackHoleSink = 0

/// Consumes a value so the optimiser cannot drop the work that made it.
@inline(never)
func blackHole(_ value: Int) {
    blackHoleSink &+= value
}

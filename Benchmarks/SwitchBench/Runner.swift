/// Measures probes: calibrates each, then records `runs` interleaved runs, with
/// one round of every round source after each round of the probes.
struct Runner {
    var config: BenchConfig
    private static let maximumIterations: Int64 = 1 << 34

    /// Iterations for one run of `probe` to last at least `minRunNanoseconds`.
    func calibrate(_ probe: Probe) async throws -> Int64 {
        var iterations: Int64 = 16
        while true {
            guard let ns = try await probe.run(iterations) else { throw failure(probe) }
            if ns >= config.minRunNanoseconds || iterations >= Self.maximumIterations { return iterations }
            // Jump faster while far from the target.
            iterations *= ns < config.minRunNanoseconds / 16 ? 8 : 2
        }
    }

    /// Measures every probe; round r of every probe runs before round r + 1
    /// of any. Probes that fail are reported and left out.
    func measure(_ probes: [Probe], rounds sources: [RoundSource]) async
        -> (measurements: [Measurement], failures: [String])
    {
        var failures: [String] = []
        var active: [(probe: Probe, iterations: Int64, samples: [Double])] = []
        for probe in probes {
            printProgress("calibrating \(probe.implementation) at depth \(probe.depth)")
            do {
                active.append((probe, try await calibrate(probe), []))
            } catch {
                failures.append("\(probe.implementation) at depth \(probe.depth): \(error)")
                printProgress("\(probe.implementation) at depth \(probe.depth) failed: \(error)")
            }
        }
        var failed = Set<Int>()
        var sources = sources
        var sourceRows: [Measurement] = []
        for round in 1...max(config.runs, 1) {
            printProgress(
                "run \(round) of \(config.runs) over \(active.count) loops and \(sources.count) more")
            for index in active.indices where !failed.contains(index) {
                let probe = active[index].probe
                do {
                    guard let ns = try await probe.run(active[index].iterations) else { throw failure(probe) }
                    let swaps = Double(active[index].iterations) * Double(probe.swapsPerIteration)
                    active[index].samples.append(Double(ns) / swaps)
                } catch {
                    failed.insert(index)
                    failures.append("\(probe.implementation) at depth \(probe.depth): \(error)")
                    printProgress("\(probe.implementation) at depth \(probe.depth) failed: \(error)")
                }
            }
            var failedSources: [String] = []
            for source in sources {
                do {
                    for row in try await source.runRound() {
                        if let index = sourceRows.firstIndex(where: {
                            $0.implementation == row.implementation && $0.depth == row.depth
                        }) {
                            sourceRows[index].samples += row.samples
                        } else {
                            sourceRows.append(row)
                        }
                    }
                } catch {
                    failedSources.append(source.name)
                    failures.append("\(source.name): \(error)")
                    printProgress("\(source.name) failed: \(error)")
                }
            }
            sources.removeAll { failedSources.contains($0.name) }
            sourceRows.removeAll { failedSources.contains($0.implementation) }
        }
        let measurements = active.indices.filter { !failed.contains($0) }.map { index in
            Measurement(
                implementation: active[index].probe.implementation, depth: active[index].probe.depth,
                samples: active[index].samples, asyncifyBytes: active[index].probe.asyncifyBytes)
        }
        return (measurements + sourceRows, failures)
    }

    private func failure(_ probe: Probe) -> BenchError {
        BenchError(
            description: "the \(probe.implementation) loop at depth \(probe.depth) did not run correctly")
    }
}

/// Nanoseconds elapsed since `start` on the monotonic clock.
func nanoseconds(since start: ContinuousClock.Instant) -> Int64 {
    let (seconds, attoseconds) = start.duration(to: .now).components
    return seconds &* 1_000_000_000 &+ attoseconds / 1_000_000_000
}

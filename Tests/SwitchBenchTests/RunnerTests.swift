import Testing

@testable import SwitchBench

@Suite struct RunnerTests {
    static let config = BenchConfig(depths: [1], runs: 4, minRunNanoseconds: 1_000_000, idleFiberCount: 1)

    /// A loop whose "time" is exactly 1000 ns per iteration (no clock involved).
    static func steadyProbe(_ name: String, depth: Int = 1) -> Probe {
        Probe(implementation: name, depth: depth, swapsPerIteration: 2) { iterations in iterations * 1000 }
    }

    @Test func calibrationReachesTheMinimumRunLength() async throws {
        let iterations = try await Runner(config: Self.config).calibrate(Self.steadyProbe("steady"))
        #expect(iterations * 1000 >= Self.config.minRunNanoseconds)
        // Doubling (or x8) from 16 never overshoots by more than a factor of 8.
        #expect(iterations * 1000 < 8 * Self.config.minRunNanoseconds)
    }

    @Test func samplesAreNanosecondsPerOneWaySwap() async {
        let result = await Runner(config: Self.config).measure([Self.steadyProbe("steady")], rounds: [])
        #expect(result.failures.isEmpty)
        // 1000 ns per iteration of two swaps.
        #expect(result.measurements.first?.samples == [500, 500, 500, 500])
    }

    @Test func failingProbeIsReportedAndLeftOut() async {
        let broken = Probe(implementation: "broken", depth: 4, swapsPerIteration: 2) { _ in nil }
        let result = await Runner(config: Self.config).measure(
            [broken, Self.steadyProbe("steady")], rounds: [])
        #expect(result.measurements.map(\.implementation) == ["steady"])
        #expect(result.failures.count == 1)
        #expect(result.failures.first?.hasPrefix("broken at depth 4") == true)
    }

    @Test func roundSourceRowsGainOneSamplePerRound() async {
        let source = RoundSource(name: "external") {
            [
                Measurement(implementation: "external", depth: 1, samples: [7]),
                Measurement(implementation: "external", depth: 8, samples: [9], asyncifyBytes: 40),
            ]
        }
        let result = await Runner(config: Self.config).measure([], rounds: [source])
        #expect(result.measurements.map(\.depth) == [1, 8])
        #expect(result.measurements.map(\.samples) == [[7, 7, 7, 7], [9, 9, 9, 9]])
        #expect(result.measurements.last?.asyncifyBytes == 40)
    }

    @Test func failingRoundSourceDropsItsRows() async {
        struct Boom: Error {}
        let source = RoundSource(name: "external") { throw Boom() }
        let result = await Runner(config: Self.config).measure([Self.steadyProbe("steady")], rounds: [source])
        #expect(result.measurements.map(\.implementation) == ["steady"])
        #expect(result.failures.count == 1)
    }
}

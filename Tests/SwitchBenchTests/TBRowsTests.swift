import Foundation
import Testing

@testable import SwitchBench

@Suite(.serialized) struct TBRowsTests {
    static let config = BenchConfig(depths: [1, 4, 16, 64], runs: 1, minRunNanoseconds: 1, idleFiberCount: 1)

    static func probes(_ producer: MeasurementProducer) throws -> [Probe] {
        guard case .probes(let make) = producer.kind else {
            Issue.record("\(producer.name) should be measured by probes")
            return []
        }
        return try make(config)
    }

    @Test func bothTBProducersAreListed() {
        let names = Producers.all.map(\.name)
        #expect(names.contains("tb-frame"))
        #expect(names.contains("tb-frame-instance-globals"))
        #expect(names.contains("tb-frame-interpreter"))
    }

    @Test func tbFrameProducerGivesOneOneWayProbePerDepth() throws {
        let probes = try Self.probes(TBRows.producer)
        #expect(probes.map(\.depth) == [1, 4, 16, 64])
        #expect(probes.allSatisfy { $0.implementation == "tb-frame" && $0.swapsPerIteration == 1 })
        #expect(
            try Self.probes(TBRows.instanceGlobalsProducer).allSatisfy {
                $0.implementation == "tb-frame-instance-globals"
            })
    }

    @Test(arguments: [0, 3], [TBRows.perFiber, TBRows.perFiberInterpreter])
    func tbFrameProbeRunsItsSwaps(index: Int, row: String) async throws {
        // Depths 1 and 64; a loop that swaps the wrong number of times yields nil.
        let producer = try #require(Producers.all.first { $0.name == row })
        let probe = try Self.probes(producer)[index]
        let ns = try await probe.run(40)
        #expect((ns ?? 0) > 0, "depth \(probe.depth): \(String(describing: ns))")
    }

    static func figures(node: Bool, nodeChecksum: UInt64 = 7) -> TBFigures {
        var workloads = [
            TBFigures.Workload(engine: "IR interpreter", nanosecondsPerRun: 4000, checksum: 7),
            TBFigures.Workload(engine: "Wasm on our interpreter", nanosecondsPerRun: 1000, checksum: 7),
        ]
        if node {
            workloads.append(.init(engine: "Wasm on node", nanosecondsPerRun: 100, checksum: nodeChecksum))
        }
        return TBFigures(
            codegen: [
                .init(
                    requestedOps: 100, ops: 101, emitMicroseconds: 10, validateMicroseconds: 5,
                    instantiateMicroseconds: 20.5, bytesPerOp: 6.5)
            ],
            workloads: workloads, nodeNote: node ? nil : "skipped: node not installed")
    }

    @Test func reportPrintsTheTBSectionsAfterTheTable() {
        var report = OutputTests.report()
        report.tb = Self.figures(node: true)
        let lines = report.text.split(separator: "\n").map(String.init)
        let codegen = lines.firstIndex { $0.hasPrefix("TB code generation") }
        let table = lines.firstIndex { $0.hasPrefix("implementation") }
        #expect(codegen != nil && table != nil && codegen! > table!)
        // 10 + 5 + 20.5 = 35.5 us in all.
        let row = lines.first { $0.hasPrefix("101 ") }?.split(separator: " ").map(String.init)
        #expect(row == ["101", "10.0", "5.0", "20.5", "35.5", "6.5"])
        // 4000 : 1000 : 100 ns per run.
        #expect(
            lines.contains(
                "ratio IR interpreter : Wasm on our interpreter : Wasm on node = 40.00 : 10.00 : 1.00"))
        #expect(!report.text.contains("not installed"))
    }

    @Test func reportSaysSoWhenNodeIsMissing() {
        var report = OutputTests.report()
        report.tb = Self.figures(node: false)
        #expect(report.text.contains("ratio IR interpreter : Wasm on our interpreter = 4.00 : 1.00"))
        #expect(report.text.contains("Wasm on node: skipped: node not installed"))
        #expect(OutputTests.report().text.contains("TB code generation") == false)
    }

    @Test func disagreeingChecksumsAreCaught() {
        #expect(Self.figures(node: true).checksumMismatch == nil)
        let mismatch = Self.figures(node: true, nodeChecksum: 8).checksumMismatch
        #expect(mismatch?.contains("Wasm on node 8") == true)
    }
}

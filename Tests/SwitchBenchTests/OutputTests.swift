import Foundation
import Testing

@testable import SwitchBench

#if canImport(FoundationXML)
    import FoundationXML
#endif

@Suite struct OutputTests {
    static let machine = MachineInfo(
        architecture: "x86_64", cpuModel: "Test CPU", cores: 2, date: "2026-01-01")

    static func report() -> Report {
        let config = BenchConfig(depths: [1, 4], runs: 3, minRunNanoseconds: 1, idleFiberCount: 1)
        return Report(
            machine: machine, config: config,
            measurements: [
                Measurement(implementation: "native-asm", depth: 1, samples: [10, 12, 11]),
                Measurement(implementation: "native-asm", depth: 4, samples: [10, 10, 10]),
                Measurement(implementation: "emscripten-node", depth: 1, samples: [400, 500, 450]),
                Measurement(implementation: "emscripten-node", depth: 4, samples: [500, 520, 510]),
                Measurement(implementation: "swift-call", depth: 1, samples: [2, 2, 2]),
            ])
    }

    @Test func csvHasTheExactHeaderAndOneRowPerMeasurement() {
        let lines = Self.report().csv.split(separator: "\n")
        #expect(lines.first == "implementation,depth,median_ns,min_ns,runs")
        #expect(lines.count == 6)
        #expect(lines[1] == "native-asm,1,11.000,10.000,3")
        #expect(lines[5] == "swift-call,1,2.000,2.000,3")
    }

    @Test func tableShowsRatiosAgainstNativeAndNodeAtTheSameDepth() {
        let text = Self.report().text
        let row = text.split(separator: "\n").first { $0.hasPrefix("emscripten-node") && $0.contains(" 4 ") }
        // 510 / 10 = 51.00 against native-asm, 1.00 against itself.
        #expect(row?.hasSuffix("51.00    1.00") == true, "row: \(row ?? "none")")
        #expect(text.contains("machine: x86_64, Test CPU, 2 cores, 2026-01-01"))
    }

    @Test func svgIsWellFormedWithAxesLegendAndOneLinePerImplementation() throws {
        let svg = SVGPlot(report: Self.report()).svg
        #expect(svg.contains(">call depth (frames)</text>"))
        #expect(svg.contains(">ns per swap</text>"))
        // Two implementations have two depths each; swift-call is a lone marker.
        #expect(svg.components(separatedBy: "<polyline").count - 1 == 2)
        #expect(svg.components(separatedBy: "<circle").count - 1 == 5)
        for name in ["native-asm", "emscripten-node", "swift-call"] {
            #expect(svg.contains(">\(name)</text>"))
        }
        #if canImport(FoundationXML) || canImport(Darwin)
            _ = try XMLDocument(data: Data(svg.utf8))
        #endif
    }

    @Test func memoryProbeLineRoundTrips() throws {
        let figure = MemoryFigure(
            implementation: "asyncify-fiber (256 B buffers)", fibers: 10, residentBytesPerFiber: 600,
            allocatedBytesPerFiber: nil)
        let parsed = try #require(try MemoryFigure(probeLine: figure.probeLine))
        #expect(parsed.implementation == figure.implementation)
        #expect(parsed.fibers == 10)
        #expect(parsed.residentBytesPerFiber == 600)
        #expect(parsed.allocatedBytesPerFiber == nil)
        #expect(try MemoryFigure(probeLine: "unavailable") == nil)
        #expect(throws: BenchError.self) { try MemoryFigure(probeLine: "garbage") }
    }
}

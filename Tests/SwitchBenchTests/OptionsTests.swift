import Testing

@testable import SwitchBench

@Suite struct OptionsTests {
    @Test func defaultsMeasureFifteenRunsAtFourDepths() throws {
        let config = try Options(arguments: []).config
        #expect(config.runs == 15)
        #expect(config.depths == [1, 4, 16, 64])
        #expect(config.idleFiberCount == 10_000)
    }

    @Test func quickUsesThreeShorterRuns() throws {
        let options = try Options(arguments: ["--quick", "--csv", "out.csv", "--svg", "plot.svg"])
        #expect(options.config.runs == 3)
        #expect(try options.config.minRunNanoseconds < Options(arguments: []).config.minRunNanoseconds)
        #expect(options.csvPath == "out.csv")
        #expect(options.svgPath == "plot.svg")
    }

    @Test func optionWithoutValueThrows() {
        #expect(throws: BenchError.self) { try Options(arguments: ["--csv"]) }
        #expect(throws: BenchError.self) { try Options(arguments: ["--svg", "--quick"]) }
    }

    @Test func unknownArgumentAndBadRunCountThrow() {
        #expect(throws: BenchError.self) { try Options(arguments: ["--fast"]) }
        #expect(throws: BenchError.self) { try Options(arguments: ["--runs", "0"]) }
        #expect(throws: BenchError.self) { try Options(arguments: ["--runs", "many"]) }
    }

    @Test func emscriptenOutputIsGroupedByDepth() throws {
        let output = """
            depth 1 run 0 swaps 64 ns_per_swap 400.5 asyncify_bytes 224
            depth 1 run 1 swaps 64 ns_per_swap 390.0 asyncify_bytes 224
            depth 4 run 0 swaps 64 ns_per_swap 480.0 asyncify_bytes 296

            """
        let rows = try EmscriptenFibers.parse(output)
        #expect(rows.map(\.depth) == [1, 4])
        #expect(rows[0].samples == [400.5, 390.0])
        #expect(rows[1].asyncifyBytes == 296)
        #expect(rows.allSatisfy { $0.implementation == "emscripten-node" })
    }

    @Test func malformedEmscriptenOutputThrows() {
        #expect(throws: BenchError.self) { try EmscriptenFibers.parse("depth one run 0\n") }
    }

    @Test func onlyMeasuresTheListedRows() throws {
        let options = try Options(arguments: ["--only", "emscripten-node,asyncify-module"])
        #expect(options.includes("emscripten-node"))
        #expect(options.includes("asyncify-module"))
        #expect(!options.includes("asyncify-host"))
        #expect(!options.includes("memory"))
        #expect(!options.includes("tb"))
        let all = try Options(arguments: [])
        #expect(all.includes("asyncify-host") && all.includes("memory") && all.includes("tb"))
    }

    @Test func onlyRejectsUnknownRowsAndEmptyLists() {
        #expect(throws: BenchError.self) { try Options(arguments: ["--only", "asyncify-hots"]) }
        #expect(throws: BenchError.self) { try Options(arguments: ["--only", ","]) }
        #expect(throws: BenchError.self) { try Options(arguments: ["--only"]) }
    }

    @Test func onlyKnowsEveryProducer() {
        // A row added to Producers.all must be selectable by --only.
        for producer in Producers.all {
            #expect(Options.rowNames.contains(producer.name), "\(producer.name)")
        }
    }
}

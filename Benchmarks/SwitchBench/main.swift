import Foundation

// switch-bench: what one fiber switch costs, next to native switches, Swift
// concurrency and Emscripten's own fibers, all measured in this run.

let options: Options
do {
    options = try Options(arguments: Array(CommandLine.arguments.dropFirst()))
} catch {
    FileHandle.standardError.write(Data("switch-bench: \(error)\n\n\(Options.usage)\n".utf8))
    exit(2)
}
if options.showHelp {
    print(Options.usage)
    exit(0)
}

let config = options.config
if let probe = options.memoryProbe {
    guard let producer = MemoryProducers.all.first(where: { $0.name == probe }) else {
        FileHandle.standardError.write(Data("switch-bench: no memory probe '\(probe)'\n".utf8))
        exit(2)
    }
    do {
        print(try producer.measure(config)?.probeLine ?? "unavailable")
        exit(0)
    } catch {
        FileHandle.standardError.write(Data("switch-bench: \(error)\n".utf8))
        exit(1)
    }
}
let started = ContinuousClock.now
var failures: [String] = []
var probes: [Probe] = []
var roundSources: [RoundSource] = []
for producer in Producers.all where options.includes(producer.name) {
    do {
        switch producer.kind {
        case .probes(let make):
            probes += try make(config)
        case .rounds(let setUp):
            if let source = try await setUp(config) { roundSources.append(source) }
        }
    } catch {
        failures.append("\(producer.name): \(error)")
        printProgress("\(producer.name) failed: \(error)")
    }
}
let measured = await Runner(config: config).measure(probes, rounds: roundSources)
failures += measured.failures
let measurements = measured.measurements
var memory: [MemoryFigure] = []
for producer in MemoryProducers.all where options.includes("memory") {
    do {
        if let figure = try producer.measureInChild(config) { memory.append(figure) }
    } catch {
        failures.append("\(producer.name): \(error)")
        printProgress("\(producer.name) failed: \(error)")
    }
}

var tbFigures: TBFigures?
if options.includes("tb") {
    do {
        printProgress("measuring TB code generation and workload")
        tbFigures = try TBFigures.measure(quick: options.quick)
    } catch {
        failures.append("TB figures: \(error)")
        printProgress("TB figures failed: \(error)")
    }
}

let report = Report(
    machine: .current(), config: config, measurements: measurements, memory: memory, tb: tbFigures)
print(report.text, terminator: "")
do {
    if let path = options.csvPath {
        try report.csv.write(toFile: path, atomically: true, encoding: .utf8)
        printProgress("wrote \(path)")
    }
    if let path = options.svgPath {
        try SVGPlot(report: report).svg.write(toFile: path, atomically: true, encoding: .utf8)
        printProgress("wrote \(path)")
    }
} catch {
    failures.append("writing output: \(error)")
    printProgress("could not write output: \(error)")
}
printProgress("done in \(format(Double(nanoseconds(since: started)) / 1e9, decimals: 1)) s")
if !failures.isEmpty { exit(1) }

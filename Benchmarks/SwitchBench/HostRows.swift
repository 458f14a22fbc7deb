import AsyncifyHost
import BenchmarkSupport
import Foundation
import WasmBinary
import WasmInterpreter

/// Fiber swaps inside an Asyncify-instrumented module, the AsyncifyHost way:
/// `HostBenchmarks.swapLoop` runs the committed
/// Benchmarks/asyncify-host/swapbench.wasm (emcc -sASYNCIFY -sSTANDALONE_WASM)
/// and times it from outside, subtracting a run with no swaps. It needs no
/// tools at bench time, and it cross-checks the asyncify-module rows (another
/// program, timed from inside). `asyncify-host` runs on the default engine
/// (the native tier where the host has it), `asyncify-host-interpreter` on
/// our Wasm interpreter.
enum HostRows {
    static let implementation = "asyncify-host"
    static let interpreterImplementation = "asyncify-host-interpreter"

    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("asyncify-host")

    static let producer = makeProducer(implementation: implementation, engine: .automatic)
    static let interpreterProducer = makeProducer(
        implementation: interpreterImplementation, engine: .interpreter)

    static func makeProducer(implementation: String, engine: Store.Engine) -> MeasurementProducer {
        MeasurementProducer(
            name: implementation,
            kind: .probes { config in
                let wasm = directory.appendingPathComponent("swapbench.wasm")
                guard FileManager.default.fileExists(atPath: wasm.path) else {
                    printProgress(
                        "\(implementation): skipped (Benchmarks/asyncify-host/swapbench.wasm not found)")
                    return []
                }
                let module = try Module(decoding: [UInt8](Data(contentsOf: wasm)))
                try module.validate()
                return config.depths.map { depth in
                    Probe(implementation: implementation, depth: depth, swapsPerIteration: 1) { iterations in
                        let result = try HostBenchmarks.swapLoop(
                            module: module, depth: depth, swaps: Int(iterations), engine: engine)
                        return Int64(result.nanoseconds)
                    }
                }
            })
    }
}

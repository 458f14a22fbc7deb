import AsyncifyHost
import Foundation
import WasmBinary
import WasmInterpreter

/// An Asyncify-instrumented module on our Wasm engines: the very program the
/// emscripten-node row runs (Benchmarks/emscripten/fiber_bench.c, instrumented
/// by emcc's Binaryen Asyncify pass), built as standalone Wasm and run by
/// `AsyncifyHost` (our Swift version of Emscripten's JS glue and fibers).
/// `asyncify-module` runs it on the default engine (the native tier where the
/// host has it), `asyncify-module-interpreter` on our Wasm interpreter. Needs
/// emcc to build; skipped with a note without it.
enum InstrumentedModule {
    static let implementation = "asyncify-module"
    static let interpreterImplementation = "asyncify-module-interpreter"

    static let producer = makeProducer(implementation: implementation, engine: .automatic)
    static let interpreterProducer = makeProducer(
        implementation: interpreterImplementation, engine: .interpreter)

    static func makeProducer(implementation: String, engine: Store.Engine) -> MeasurementProducer {
        MeasurementProducer(
            name: implementation,
            kind: .rounds { config in
                guard let emcc = findExecutable("emcc") else {
                    printProgress("\(implementation): skipped (needs emcc on PATH to build the module)")
                    return nil
                }
                guard let source = EmscriptenFibers.locateSource() else {
                    printProgress(
                        "\(implementation): skipped (Benchmarks/emscripten/fiber_bench.c not found)")
                    return nil
                }
                let bytes = try [UInt8](
                    Data(contentsOf: EmscriptenFibers.buildStandalone(source: source, emcc: emcc)))
                return try EmscriptenFibers.calibratedRounds(
                    implementation: implementation, config: config,
                    progress: "on our \(engine.resolved) engine",
                    options: ["warmup=0"]
                ) { arguments in
                    try runProgram(bytes, arguments: arguments, engine: engine)
                }
            })
    }

    /// Runs the program's `_start` on our host (on `engine`) and returns what it printed.
    ///
    /// The host's WASI clock is simulated time (what `emscripten_sleep` sees);
    /// the benchmark needs wall time, so `clock_time_get` is replaced by the
    /// monotonic clock.
    static func runProgram(_ bytes: [UInt8], arguments: [String], engine: Store.Engine = .automatic) throws
        -> String
    {
        let module = try Module(decoding: bytes)
        try module.validate()
        let output = OutputBuffer()
        let start = ContinuousClock.now
        let clock = HostImport(module: "wasi_snapshot_preview1", name: "clock_time_get") { host, slots in
            let now = UInt64(max(nanoseconds(since: start), 0)) &+ 1_000_000_000
            try host.memory.store(now, at: UInt64(slots.i32(2)))
            slots.setI32(0, 0)
        }
        let host = try AsyncifyInstance(
            module: module, store: Store(configuration: .init(engine: engine)), imports: [clock],
            options: AsyncifyInstance.Options(arguments: ["fiber_bench"] + arguments) { fd, bytes in
                if fd == 1 { output.bytes += bytes } else { FileHandle.standardError.write(Data(bytes)) }
            })
        let code = try host.runStart()
        guard code == 0 else {
            throw BenchError(description: "asyncify-module: the program exited with \(code)")
        }
        return String(decoding: output.bytes, as: UTF8.self)
    }
}

/// Collects a program's stdout (used on one thread only).
private final class OutputBuffer {
    var bytes: [UInt8] = []
}

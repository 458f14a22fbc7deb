import BenchmarkSupport
import Foundation
import TBRuntime
import WasmInterpreter

/// Fiber swaps with a translation block's Wasm frame on the stack: two fibers,
/// each `depth` participating Swift frames deep, run one TB instance; the TB
/// calls a helper that swaps to the other fiber, so every swap unwinds and
/// rewinds the host frames, `execute`, `call_wasm_tb` and the TB itself
/// (`TBBenchmarks.swapWithTBFrame`). `tb-frame` uses the default per-fiber
/// resumption state, `tb-frame-instance-globals` keeps it in instance
/// globals, as QEMU's Wasm TCG backend does; both run the TB on the default
/// engine (the native tier where the host has it), `tb-frame-interpreter`
/// is `tb-frame` on our Wasm interpreter.
enum TBRows {
    static let perFiber = "tb-frame"
    static let instanceGlobals = "tb-frame-instance-globals"
    static let perFiberInterpreter = "tb-frame-interpreter"

    static let producer = makeProducer(implementation: perFiber, mode: .perFiber)
    static let instanceGlobalsProducer = makeProducer(
        implementation: instanceGlobals, mode: .instanceGlobals)
    static let interpreterProducer = makeProducer(
        implementation: perFiberInterpreter, mode: .perFiber, engine: .interpreter)

    static func makeProducer(
        implementation: String, mode: TBResumptionMode, engine: Store.Engine = .automatic
    ) -> MeasurementProducer {
        MeasurementProducer(
            name: implementation,
            kind: .probes { config in
                config.depths.map { depth in
                    Probe(implementation: implementation, depth: depth, swapsPerIteration: 1) { iterations in
                        let result = try TBBenchmarks.swapWithTBFrame(
                            hostDepth: depth, swaps: Int(iterations), mode: mode, engine: engine)
                        // A loop that swapped a different number of times did not
                        // do what it should: drop the row rather than misreport it.
                        guard result.swaps == Int(iterations), result.hostDepth == depth else { return nil }
                        return Int64(result.nanoseconds)
                    }
                }
            })
    }
}

/// The TB figures that are not per-swap rows: what generating a TB costs, and
/// how fast a TB-heavy workload runs on each engine (printed after the table).
struct TBFigures: Sendable {
    /// Code generation cost for one TB size.
    struct Codegen: Sendable {
        /// Ops asked for (10, 100, 1000).
        var requestedOps: Int
        /// Ops the generated TB really has (within 2 of `requestedOps`).
        var ops: Double
        var emitMicroseconds: Double
        var validateMicroseconds: Double
        var instantiateMicroseconds: Double
        var bytesPerOp: Double
        /// Emit + validate + instantiate.
        var totalMicroseconds: Double { emitMicroseconds + validateMicroseconds + instantiateMicroseconds }
    }

    /// Nanoseconds per run of the workload TB on one engine.
    struct Workload: Sendable {
        var engine: String
        var nanosecondsPerRun: Double
        var checksum: UInt64
    }

    static let opCounts = [10, 100, 1000]

    var codegen: [Codegen]
    /// IR interpreter, Wasm on our interpreter, Wasm on our native tier (on
    /// hosts that have it), then Wasm on node when installed.
    var workloads: [Workload]
    /// Why node is missing from `workloads`, when it is.
    var nodeNote: String?

    /// Measures every figure; `quick` keeps it to a second or two.
    static func measure(quick: Bool) throws -> TBFigures {
        let samples = quick ? 5 : 50
        let codegen = try opCounts.map { ops in
            let r = try TBBenchmarks.codegenCost(opCount: ops, samples: samples)
            return Codegen(
                requestedOps: ops, ops: r.ops, emitMicroseconds: r.emitMicroseconds,
                validateMicroseconds: r.validateMicroseconds,
                instantiateMicroseconds: r.instantiateMicroseconds, bytesPerOp: r.bytesPerOp)
        }
        let runs = quick ? 20 : 200
        // Take the faster of two measurements so a burst of load from another
        // process on a shared machine does not decide the ratio.
        func best(_ engine: TBBenchmarks.Engine, _ wasmEngine: Store.Engine = .interpreter) throws
            -> TBBenchmarks.WorkloadResult
        {
            let first = try TBBenchmarks.workload(engine: engine, runs: runs, wasmEngine: wasmEngine)
            let second = try TBBenchmarks.workload(engine: engine, runs: runs, wasmEngine: wasmEngine)
            return first.nanosecondsPerRun <= second.nanosecondsPerRun ? first : second
        }
        let ir = try best(.interpreter)
        let wasm = try best(.wasm, .interpreter)
        var workloads = [
            Workload(
                engine: "IR interpreter", nanosecondsPerRun: ir.nanosecondsPerRun, checksum: ir.checksum),
            Workload(
                engine: "Wasm on our interpreter", nanosecondsPerRun: wasm.nanosecondsPerRun,
                checksum: wasm.checksum),
        ]
        if Store.nativeEngineIsAvailable {
            let native = try best(.wasm, .native)
            workloads.append(
                Workload(
                    engine: "Wasm on our native tier", nanosecondsPerRun: native.nanosecondsPerRun,
                    checksum: native.checksum))
        }
        var nodeNote: String?
        // V8 tiers the module up as it runs: give it enough runs that the
        // figure is the optimised code's, not the baseline compiler's.
        if let node = try TBBenchmarks.workloadOnNode(runs: runs * 50) {
            workloads.append(
                Workload(
                    engine: "Wasm on node", nanosecondsPerRun: node.nanosecondsPerRun, checksum: node.checksum
                ))
        } else {
            nodeNote = "skipped: node not installed"
        }
        let figures = TBFigures(codegen: codegen, workloads: workloads, nodeNote: nodeNote)
        if let mismatch = figures.checksumMismatch { throw BenchError(description: mismatch) }
        return figures
    }

    /// A description of engines that disagree on the workload's result, or nil.
    var checksumMismatch: String? {
        guard let first = workloads.first,
            workloads.contains(where: { $0.checksum != first.checksum })
        else { return nil }
        return "TB workload checksums differ: "
            + workloads.map { "\($0.engine) \(String($0.checksum, radix: 16))" }.joined(separator: ", ")
    }

    /// The lines appended to the report text.
    var lines: [String] {
        var lines = ["", "TB code generation (emit + validate + instantiate on our interpreter, per TB)"]
        lines += alignedTable(
            header: ["ops", "emit us", "validate us", "instantiate us", "total us", "bytes/op"],
            rows: codegen.map {
                [
                    format($0.ops, decimals: 0), format($0.emitMicroseconds, decimals: 1),
                    format($0.validateMicroseconds, decimals: 1),
                    format($0.instantiateMicroseconds, decimals: 1),
                    format($0.totalMicroseconds, decimals: 1), format($0.bytesPerOp, decimals: 1),
                ]
            })
        lines.append("")
        lines.append(
            "TB workload (\(TBBenchmarks.workloadWords) guest words loaded, mixed and stored per run)")
        let fastest = workloads.map(\.nanosecondsPerRun).min() ?? .nan
        lines += alignedTable(
            header: ["engine", "ns per run", "x fastest"],
            rows: workloads.map {
                [
                    $0.engine, format($0.nanosecondsPerRun, decimals: 0),
                    format($0.nanosecondsPerRun / fastest, decimals: 2),
                ]
            })
        let names = workloads.map(\.engine).joined(separator: " : ")
        let ratios = workloads.map { format($0.nanosecondsPerRun / fastest, decimals: 2) }.joined(
            separator: " : ")
        lines.append("ratio \(names) = \(ratios)")
        if let nodeNote { lines.append("Wasm on node: \(nodeNote)") }
        return lines
    }
}

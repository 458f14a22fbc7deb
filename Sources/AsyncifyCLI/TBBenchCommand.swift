// `asyncify tb bench [--quick] [--instances] [--workload] [--compile] [--engine native|interpreter] [--layout globals|locals]`: prints the
// TBBenchmarks figures (swap cost with a TB frame at host depth 1/4/16/64,
// codegen cost for 10/100/1000-op TBs, and the TB workload on the IR
// interpreter, Wasm on our interpreter, Wasm on our native tier and node) so
// they can be measured without switch-bench. `--engine` pins the Wasm engine
// of the swap figures (default: automatic, the native tier where the host has
// it); the workload always runs on both. Build with -c release for real numbers.
// `--instances` prints only the TB instance memory curve (it is measured in a
// fresh process that way, without the other benchmarks' heap); `--workload`
// only the workload; `--compile` only `tb-compile-100op` (a short process to
// profile the compile path with callgrind). `--layout globals|locals` picks the workload modules'
// TBEmitter.StateLayout (default: the emitter's default).

import BenchmarkSupport
import Foundation
import TBCodegen
import TBRuntime
import WasmInterpreter

enum TBBenchCommand {
    static let usage =
        "usage: asyncify tb bench [--quick] [--instances] [--workload] [--compile] [--engine native|interpreter|automatic]"
        + " [--layout globals|locals]"

    static func main(_ arguments: [String]) -> Int32 {
        var quick = false
        var instancesOnly = false
        var workloadOnly = false
        var compileOnly = false
        var layout = TBEmitter.defaultLayout
        var engine = Store.Engine.automatic
        var rest = arguments[...]
        while let argument = rest.popFirst() {
            switch argument {
            case "--quick": quick = true
            case "--instances": instancesOnly = true
            case "--workload": workloadOnly = true
            case "--compile": compileOnly = true
            case "--layout":
                switch rest.popFirst() {
                case "globals": layout = .globals
                case "locals": layout = .locals
                default: return Usage.fail("tb bench: --layout takes globals or locals\n\(usage)")
                }
            case "--engine":
                switch rest.popFirst() {
                case "native": engine = .native
                case "interpreter": engine = .interpreter
                case "automatic": engine = .automatic
                default:
                    return Usage.fail("tb bench: --engine takes native, interpreter or automatic\n\(usage)")
                }
            default: return Usage.fail("tb bench: unknown option '\(argument)'\n\(usage)")
            }
        }
        do {
            if instancesOnly { return try instanceCurve(quick: quick) ? 0 : 1 }
            if workloadOnly { return try workload(quick: quick, layout: layout) }
            if compileOnly {
                try compilePath(quick: quick)
                return 0
            }
            for depth in [1, 4, 16, 64] {
                for mode in [TBResumptionMode.perFiber, .instanceGlobals] {
                    let r = try TBBenchmarks.swapWithTBFrame(
                        hostDepth: depth, swaps: quick ? 2000 : 20000, mode: mode, engine: engine)
                    print(
                        "swap with TB frame  depth \(depth)  \(mode)  \(engine.resolved)  "
                            + "\(String(format: "%.0f", r.nanosecondsPerSwap)) ns/swap")
                }
            }
            for ops in [10, 100, 1000] {
                let r = try TBBenchmarks.codegenCost(opCount: ops, samples: quick ? 5 : 50)
                print(
                    "codegen  ~\(ops) ops (avg \(String(format: "%.0f", r.ops)))  emit \(String(format: "%.1f", r.emitMicroseconds)) us"
                        + "  validate \(String(format: "%.1f", r.validateMicroseconds)) us"
                        + "  instantiate \(String(format: "%.1f", r.instantiateMicroseconds)) us"
                        + "  \(String(format: "%.1f", r.bytesPerOp)) bytes/op")
            }
            try compilePath(quick: quick)
            _ = try instanceCurve(quick: quick)
            return try workload(quick: quick, layout: layout)
        } catch {
            return Usage.error("tb-bench: \(error)")
        }
    }

    /// Prints the `tb-compile-100op` row.
    static func compilePath(quick: Bool) throws {
        let compile = try TBBenchmarks.compilePath(opCount: 100, samples: quick ? 20 : 500)
        print(
            "tb-compile-100op  \(String(format: "%.1f", compile)) us per TB (the runtime's compile path: emit + instantiate + compile"
                + (TBRuntimeConfiguration().validatesEmittedModules
                    ? " + validate)" : ", validation off in release)"))
    }

    /// Prints the `tb-instances` rows; false when the resident size is not readable.
    static func instanceCurve(quick: Bool) throws -> Bool {
        guard
            let curve = try TBBenchmarks.instanceMemory(
                checkpoints: quick ? [200, 1000] : [1000, 2000, 5000, 10_000, 15_000])
        else {
            print("tb-instances  skipped: resident size not readable (/proc/self/statm)")
            return false
        }
        for p in curve {
            print(
                "tb-instances  \(p.instances)  \(String(format: "%.0f", p.residentBytesPerInstance)) resident bytes/instance"
                    + "  \(String(format: "%.1f", p.microsecondsPerInstance)) us/instance (20-op TB: emit ... first run)"
            )
        }
        return true
    }

    /// Prints the TB workload on the IR interpreter, Wasm on our interpreter,
    /// Wasm on the native tier and node, the Wasm modules in `layout`.
    static func workload(quick: Bool, layout: TBEmitter.StateLayout) throws -> Int32 {
        let runs = quick ? 20 : 200
        let ir = try TBBenchmarks.workload(engine: .interpreter, runs: runs)
        let wasm = try TBBenchmarks.workload(
            engine: .wasm, runs: runs, wasmEngine: .interpreter, layout: layout)
        let native =
            Store.nativeEngineIsAvailable
            ? try TBBenchmarks.workload(engine: .wasm, runs: runs, wasmEngine: .native, layout: layout) : nil
        print("workload layout           \(layout)")
        print("workload IR interpreter   \(String(format: "%.0f", ir.nanosecondsPerRun)) ns/run")
        print("workload Wasm (ours)      \(String(format: "%.0f", wasm.nanosecondsPerRun)) ns/run")
        if let native {
            print("workload Wasm (native)    \(String(format: "%.0f", native.nanosecondsPerRun)) ns/run")
        } else {
            print("workload Wasm (native)    skipped: no native tier on this host")
        }
        var results = [ir, wasm] + (native.map { [$0] } ?? [])
        // V8 tiers the module up as it runs: enough runs that the figure is the optimised code's.
        if let node = try TBBenchmarks.workloadOnNode(runs: runs * 50, layout: layout) {
            print("workload Wasm (node)      \(String(format: "%.0f", node.nanosecondsPerRun)) ns/run")
            results.append(node)
            let ratios = results.map {
                String(format: "%.2f", $0.nanosecondsPerRun / node.nanosecondsPerRun)
            }
            print(
                "ratios IR : ours : \(native == nil ? "" : "native : ")node = "
                    + ratios.joined(separator: " : ")
                    + (Set(results.map(\.checksum)).count == 1 ? "" : "  CHECKSUM MISMATCH"))
        } else {
            print("workload Wasm (node)      skipped: node not installed")
            let ratios = results.map {
                String(format: "%.2f", $0.nanosecondsPerRun / ir.nanosecondsPerRun)
            }
            print(
                "ratios IR : ours\(native == nil ? "" : " : native") = " + ratios.joined(separator: " : ")
                    + (Set(results.map(\.checksum)).count == 1 ? "" : "  CHECKSUM MISMATCH"))
        }
        return 0
    }
}

// `asyncify tb bench [--quick]`: prints the TBBenchmarks figures (swap cost with a
// TB frame at host depth 1/4/16/64, codegen cost for 10/100/1000-op TBs, and the
// TB workload on the IR interpreter, Wasm on our interpreter and node) so they
// can be measured without switch-bench. Build with -c release for real numbers.

import BenchmarkSupport
import Foundation
import TBRuntime

enum TBBenchCommand {
    static func main(_ arguments: [String]) -> Int32 {
        let quick = arguments.contains("--quick")
        do {
            for depth in [1, 4, 16, 64] {
                for mode in [TBResumptionMode.perFiber, .instanceGlobals] {
                    let r = try TBBenchmarks.swapWithTBFrame(
                        hostDepth: depth, swaps: quick ? 2000 : 20000, mode: mode)
                    print(
                        "swap with TB frame  depth \(depth)  \(mode)  \(String(format: "%.0f", r.nanosecondsPerSwap)) ns/swap"
                    )
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
            let compile = try TBBenchmarks.compilePath(opCount: 100, samples: quick ? 20 : 500)
            print(
                "tb-compile-100op  \(String(format: "%.1f", compile)) us per TB (the runtime's compile path: emit + instantiate"
                    + (TBRuntimeConfiguration().validatesEmittedModules
                        ? " + validate)" : ", validation off in release)"))
            if let curve = try TBBenchmarks.instanceMemory(
                checkpoints: quick ? [200, 1000] : [1000, 5000, 10_000, 15_000])
            {
                for p in curve {
                    print(
                        "tb-instances  \(p.instances)  \(String(format: "%.0f", p.residentBytesPerInstance)) resident bytes/instance"
                            + "  \(String(format: "%.1f", p.microsecondsPerInstance)) us/instance (20-op TB: emit ... first run)"
                    )
                }
            } else {
                print("tb-instances  skipped: resident size not readable (/proc/self/statm)")
            }
            let runs = quick ? 20 : 200
            let ir = try TBBenchmarks.workload(engine: .interpreter, runs: runs)
            let wasm = try TBBenchmarks.workload(engine: .wasm, runs: runs)
            print("workload IR interpreter   \(String(format: "%.0f", ir.nanosecondsPerRun)) ns/run")
            print("workload Wasm (ours)      \(String(format: "%.0f", wasm.nanosecondsPerRun)) ns/run")
            if let node = try TBBenchmarks.workloadOnNode(runs: runs) {
                print("workload Wasm (node)      \(String(format: "%.0f", node.nanosecondsPerRun)) ns/run")
                print(
                    "ratios IR : ours : node = \(String(format: "%.2f", ir.nanoseconds / node.nanoseconds)) : "
                        + "\(String(format: "%.2f", wasm.nanoseconds / node.nanoseconds)) : 1"
                        + (ir.checksum == wasm.checksum && wasm.checksum == node.checksum
                            ? "" : "  CHECKSUM MISMATCH"))
            } else {
                print("workload Wasm (node)      skipped: node not installed")
                print("ratio IR : ours = \(String(format: "%.2f", ir.nanoseconds / wasm.nanoseconds)) : 1")
            }
            return 0
        } catch {
            return Usage.error("tb-bench: \(error)")
        }
    }
}

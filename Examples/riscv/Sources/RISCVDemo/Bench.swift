import Foundation
import RISCVEmulator
import TBCodegen
import WasmInterpreter

/// `riscv-demo bench [--runs N] [--layout globals|locals] program.elf...`: guest
/// instructions per second on each engine, best of N runs, as a ratio to the
/// reference interpreter measured in the same process (the machines are shared
/// and noisy). `--layout` picks where every Wasm column's TB modules keep the
/// TB registers (``TBEmitter/StateLayout``; default: the emitter's default):
///
/// * `reference`: the plain RV64IM interpreter;
/// * `tb-ir`: ``TranslatingMachine`` with compilation off: guest blocks as TB
///   IR on the TB IR interpreter;
/// * `wasm`: the default compilation (IR first, Wasm once a TB ran 1500 times)
///   on the default Wasm engine (the native tier where the host has it);
/// * `wasm-interp`: compilation `.always`: every TB as Wasm on our Wasm interpreter;
/// * `wasm-native`: the same on our native tier (`skipped` on hosts without it);
/// * `wasm-node`: the very modules `wasm-interp` and `wasm-native` instantiated, replayed on node
///   (V8) by a JS port of the runtime's dispatch loop and helpers (console
///   writes in the helper, no fibers, no register copies around each TB: see
///   `NodeTBRunner`); `skipped: node not installed` without node.
///
/// `guest/bin/bench.elf` is the long workload (23 M instructions) where
/// translation and compilation are a small share; the test programs are short.
///
/// Every TB engine counts instructions with the same `instret` counter the
/// translated blocks keep in env; the node column must match the capture run's
/// output, exit code and count, or the benchmark fails.
func benchmark(_ arguments: [String]) {
    var runs = 3
    var layout = TBEmitter.defaultLayout
    var paths: [String] = []
    var rest = arguments[...]
    while let argument = rest.popFirst() {
        if argument == "--runs", let value = rest.popFirst().flatMap({ Int($0) }), value > 0 {
            runs = value
        } else if argument == "--layout" {
            switch rest.popFirst() {
            case "globals": layout = .globals
            case "locals": layout = .locals
            default: fail("--layout takes globals or locals")
            }
        } else {
            paths.append(argument)
        }
    }
    guard !paths.isEmpty else {
        fail("usage: riscv-demo bench [--runs N] [--layout globals|locals] program.elf...")
    }
    let node = NodeTBRunner.findNode()
    print("program      engine      instructions   best s   M instr/s   vs reference")
    var summary: [String] = []
    var failures = 0
    for path in paths {
        let image = loadImage(path)
        let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        var rates: [String: Double] = [:]
        for engine in ["reference", "tb-ir", "wasm", "wasm-interp", "wasm-native", "wasm-node"] {
            var best = Double.infinity
            var instructions: UInt64 = 0
            var note = ""
            if engine == "wasm-native" && !Store.nativeEngineIsAvailable {
                print(
                    name.padding(toLength: 13, withPad: " ", startingAt: 0)
                        + "wasm-native skipped: no native tier on this host")
                continue
            }
            if engine == "wasm-node" {
                guard let node else {
                    print(
                        name.padding(toLength: 13, withPad: " ", startingAt: 0)
                            + "wasm-node   skipped: node not installed")
                    continue
                }
                do {
                    let capture = try TranslatingMachine.captureWasmTBs(image: image, layout: layout)
                    let run = try NodeTBRunner.run(capture, nodePath: node, runs: runs)
                    guard run.standardOutput == capture.standardOutput, run.exitCode == capture.exit.code,
                        run.instructions == capture.exit.instructions
                    else {
                        fail(
                            "\(name) on wasm-node: output, exit code or instruction count differs from the capture run",
                            code: 1)
                    }
                    instructions = run.instructions
                    best = run.nanoseconds / 1e9
                    note = String(
                        format: "   (%d TB runs; V8 compile+instantiate %.0f%%)", run.tbRuns,
                        100 * run.compileNanoseconds / max(run.nanoseconds, 1))
                } catch {
                    print(
                        name.padding(toLength: 13, withPad: " ", startingAt: 0)
                            + "wasm-node   failed: \(error)")
                    failures += 1
                    continue
                }
            } else {
                for _ in 0..<runs {
                    let start = Date()
                    do {
                        if engine == "reference" {
                            instructions = try ReferenceInterpreter(image: image).run().instructions
                        } else {
                            let compilation: TranslatingMachine.Compilation =
                                engine == "tb-ir" ? .off : engine == "wasm" ? .default : .always
                            let wasmEngine: Store.Engine =
                                engine == "wasm-interp"
                                ? .interpreter : engine == "wasm-native" ? .native : .automatic
                            let machine = try TranslatingMachine(
                                image: image, compilation: compilation, engine: wasmEngine,
                                stateLayout: layout)
                            instructions = try machine.run().instructions
                        }
                    } catch {
                        fail("\(name) on \(engine): \(error)", code: 1)
                    }
                    best = min(best, Date().timeIntervalSince(start))
                }
            }
            let rate = Double(instructions) / best / 1e6
            rates[engine] = rate
            print(
                name.padding(toLength: 13, withPad: " ", startingAt: 0)
                    + engine.padding(toLength: 12, withPad: " ", startingAt: 0)
                    + String(
                        format: "%12llu   %6.3f   %9.2f   %8.3fx", instructions, best, rate,
                        rate / (rates["reference"] ?? rate)) + note)
        }
        let ir = rates["tb-ir"] ?? 1
        let ratio = { (engine: String) in rates[engine].map { String(format: "%.3f", $0 / ir) } ?? "skipped" }
        summary.append(
            name.padding(toLength: 13, withPad: " ", startingAt: 0)
                + "1 : \(ratio("wasm-interp")) : \(ratio("wasm-native")) : \(ratio("wasm-node"))")
    }
    print(
        "\nguest instr/s as ratios, TB IR : Wasm TBs on our interpreter : Wasm TBs on our native tier"
            + " : Wasm TBs on node")
    for line in summary { print(line) }
    if failures > 0 { fail("\(failures) node replays failed", code: 1) }
}

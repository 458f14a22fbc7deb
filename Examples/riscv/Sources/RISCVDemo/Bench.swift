import Foundation
import RISCVEmulator

/// `riscv-demo bench [--runs N] program.elf...`: guest instructions per second
/// on each engine (reference interpreter; TB IR interpreter; the TB runtime
/// with the default threshold, `wasm`, and with every TB as Wasm on our
/// interpreter, `wasm-only`), best of N runs, as a ratio to the reference interpreter
/// measured in the same process (the machines are shared and noisy).
func benchmark(_ arguments: [String]) {
    var runs = 3
    var paths: [String] = []
    var rest = arguments[...]
    while let argument = rest.popFirst() {
        if argument == "--runs", let value = rest.popFirst().flatMap({ Int($0) }), value > 0 {
            runs = value
        } else {
            paths.append(argument)
        }
    }
    guard !paths.isEmpty else { fail("usage: riscv-demo bench [--runs N] program.elf...") }
    print("program      engine      instructions   best s   M instr/s   vs reference")
    for path in paths {
        let image = loadImage(path)
        let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        var referenceRate = 0.0
        for engine in ["reference", "tb-ir", "wasm", "wasm-only"] {
            var best = Double.infinity
            var instructions: UInt64 = 0
            for _ in 0..<runs {
                let start = Date()
                do {
                    if engine == "reference" {
                        instructions = try ReferenceInterpreter(image: image).run().instructions
                    } else if engine == "tb-ir" {
                        instructions = try TranslatedMachine(image: image).run().instructions
                    } else {
                        let threshold = engine == "wasm" ? 1500 : 0
                        instructions = try RuntimeMachine(image: image, compileThreshold: threshold).run()
                            .instructions
                    }
                } catch {
                    fail("\(name) on \(engine): \(error)", code: 1)
                }
                best = min(best, Date().timeIntervalSince(start))
            }
            let rate = Double(instructions) / best / 1e6
            if engine == "reference" { referenceRate = rate }
            print(
                name.padding(toLength: 13, withPad: " ", startingAt: 0)
                    + engine.padding(toLength: 12, withPad: " ", startingAt: 0)
                    + String(
                        format: "%12llu   %6.3f   %9.2f   %8.3fx", instructions, best, rate,
                        rate / referenceRate))
        }
    }
}

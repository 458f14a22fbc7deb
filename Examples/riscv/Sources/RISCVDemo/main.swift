// riscv-demo: runs a static RV64IM ELF program.
//
//   riscv-demo run [--engine reference|tb|ir|wasm|native|interpreter] [--threshold N] [--harts N]
//                  [--limit INSTRUCTIONS] [--plain-blocks] [--stats] program.elf
//
// Engines: `reference` is the plain RV64IM interpreter; `tb` (or `ir`) and
// `wasm` are the one translating machine (guest blocks -> TB IR on the TB
// runtime, harts and the console as fibers) with compilation off (every TB on
// the TB IR interpreter) or on: IR first, Wasm once a block ran `--threshold`
// times (default 1500, 0 = always Wasm). `wasm` runs the Wasm TBs on the
// native tier where the host has it (x86-64 Linux), else on our Wasm
// interpreter; `native` and `interpreter` are `wasm` pinned to that engine. Blocks are
// superblocks (through direct jumps and calls, past conditional branches as
// side exits) unless `--plain-blocks` is given.
//   riscv-demo disassemble program.elf
//   riscv-demo bench [--runs N] [--layout globals|locals] program.elf...
//
// The program's stdout/stderr go to ours and its exit code becomes ours.
import Foundation
import RISCVEmulator
import WasmInterpreter

let usage = """
    usage: riscv-demo run [--engine reference|tb|ir|wasm|native|interpreter] [--threshold N] [--harts N]
                          [--limit INSTRUCTIONS] [--plain-blocks] [--stats] program.elf
      --engine     reference: the RV64IM interpreter; tb (ir): TBs on the TB IR interpreter;
                   wasm: hot TBs as Wasm on the native tier where available, else our Wasm interpreter;
                   native, interpreter: wasm with the Wasm engine pinned
           riscv-demo disassemble program.elf
           riscv-demo bench [--runs N] [--layout globals|locals] program.elf...
    """

func fail(_ message: String, code: Int32 = 2) -> Never {
    FileHandle.standardError.write(Data((message + "\n").utf8))
    exit(code)
}

func loadImage(_ path: String) -> ELFImage {
    guard let data = FileManager.default.contents(atPath: path) else { fail("cannot read \(path)") }
    do {
        return try ELFImage(bytes: Array(data))
    } catch {
        fail("\(path): \(error)")
    }
}

var arguments = Array(CommandLine.arguments.dropFirst())
guard let command = arguments.first else { fail(usage) }
arguments.removeFirst()

switch command {
case "run":
    var harts = 1
    var limit: UInt64 = 10_000_000_000
    var stats = false
    var buildsSuperblocks = true
    var engine = "reference"
    var threshold = 1500
    var path: String?
    while !arguments.isEmpty {
        let argument = arguments.removeFirst()
        switch argument {
        case "--harts":
            guard let value = arguments.first.flatMap({ Int($0) }) else { fail("--harts needs a number") }
            arguments.removeFirst()
            harts = value
        case "--limit":
            guard let value = arguments.first.flatMap({ UInt64($0) }) else { fail("--limit needs a number") }
            arguments.removeFirst()
            limit = value
        case "--threshold":
            guard let value = arguments.first.flatMap({ Int($0) }), value >= 0 else {
                fail("--threshold needs a number >= 0")
            }
            arguments.removeFirst()
            threshold = value
        case "--stats":
            stats = true
        case "--plain-blocks":
            buildsSuperblocks = false
        case "--engine":
            guard let value = arguments.first,
                ["reference", "tb", "ir", "wasm", "native", "interpreter"].contains(value)
            else {
                fail(
                    "--engine needs 'reference', 'tb' (or 'ir'), 'wasm', 'native' or 'interpreter'\n\(usage)")
            }
            arguments.removeFirst()
            engine = value == "ir" ? "tb" : value
        default:
            guard path == nil, !argument.hasPrefix("-") else { fail(usage) }
            path = argument
        }
    }
    guard let path else { fail(usage) }
    let image = loadImage(path)
    let onWrite: (Int, [UInt8]) -> Void = { fd, bytes in
        (fd == 2 ? FileHandle.standardError : FileHandle.standardOutput).write(Data(bytes))
    }
    do {
        let start = Date()
        let result: GuestExit
        var detail = ""
        if engine != "reference" {
            let wasmEngine: Store.Engine =
                engine == "native" ? .native : engine == "interpreter" ? .interpreter : .automatic
            let machine = try TranslatingMachine(
                image: image, hartCount: harts, compilation: engine == "tb" ? .off : .afterRuns(threshold),
                buildsSuperblocks: buildsSuperblocks, engine: wasmEngine)
            machine.onWrite = onWrite
            result = try machine.run(instructionLimit: limit)
            let s = machine.runtime.statistics
            detail =
                "\(machine.translationCount) blocks translated, \(s.interpretedRuns) IR runs, "
                + "\(s.wasmRuns) Wasm runs (\(machine.engine.resolved)), \(s.compilations) compiled, "
                + "\(machine.consoleSwaps) console swaps, "
                + "\(machine.hartSwaps) hart swaps, \(s.suspensions) TB suspensions"
        } else {
            let machine = try ReferenceInterpreter(image: image, hartCount: harts)
            machine.onWrite = onWrite
            result = try machine.run(instructionLimit: limit)
            detail = "ecalls per hart \(machine.systemCallCounts)"
        }
        if stats {
            let seconds = Date().timeIntervalSince(start)
            let rate = Double(result.instructions) / max(seconds, 1e-9) / 1e6
            fail(
                "riscv-demo (\(engine)): \(result.instructions) instructions in \(String(format: "%.3f", seconds)) s"
                    + " (\(String(format: "%.2f", rate)) M instructions/s), \(detail)",
                code: Int32(result.code))
        }
        exit(Int32(result.code))
    } catch {
        fail("riscv-demo: \(error)", code: 1)
    }
case "bench":
    benchmark(arguments)
case "disassemble":
    guard let path = arguments.first else { fail(usage) }
    let image = loadImage(path)
    for segment in image.segments where segment.isExecutable {
        var address = segment.virtualAddress
        for start in stride(from: 0, to: segment.contents.count - 3, by: 4) {
            let word = segment.contents[start..<start + 4].reversed().reduce(UInt32(0)) {
                $0 << 8 | UInt32($1)
            }
            let text: String
            do {
                text = try Instruction(decoding: word).description
            } catch {
                text = "(\(error.message))"
            }
            print(String(address, radix: 16) + ":\t" + text)
            address += 4
        }
    }
default:
    fail(usage)
}

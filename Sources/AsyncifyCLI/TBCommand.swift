// `asyncify tb ...`: the TB code generator from the command line (usage errors exit 2,
// failures 1).
//
//   asyncify tb check <file.tb>                         parse; print the canonical text
//   asyncify tb emit <file.tb> [-o out.wasm] [--memory32]  emit, validate and write the module
//   asyncify tb compile <file.tb> -o tb.wasm [--wasm32]    same as emit (--wasm32 = --memory32)
//   asyncify tb print <file.tb> [--wasm32]              print the emitted module as WAT
//   asyncify tb run <file.tb> [more.tb ...] [--engine ir|wasm|native|interpreter] [--yield-every N] [--fibers K]
//                   [--mode per-fiber|instance-globals] [--threshold N] [--stats] [rN=value ...]
//       run on the TB runtime (TBRunCommand.swift), starting at the first TB (the others
//       are reached by goto_tb/goto_ptr); prints the final registers
//   asyncify tb interp <file.tb> [rN=value ...]         run on the reference interpreter
//
// `run` uses a fresh 1 MiB memory: context at 0x100, env (4 KiB) at 0x1000,
// TLB at 0x2000, guest RAM for guest addresses [0, 0xF0000) at 0x10000; only
// the guest-memory slow paths are available as helpers.

import Foundation
import TBCodegen
import WasmBinary

enum TBCommand {
    static let usage = """
        usage: asyncify tb check <file.tb>
               asyncify tb emit <file.tb> [-o out.wasm] [--memory32]
               asyncify tb compile <file.tb> [-o out.wasm] [--wasm32]
               asyncify tb print <file.tb> [--wasm32]
               asyncify tb run <file.tb> [more.tb ...] [--engine ir|wasm|native|interpreter] [--yield-every N]
                               [--fibers K] [--mode per-fiber|instance-globals] [--threshold N] [--stats]
                               [rN=value ...]
               asyncify tb interp <file.tb> [rN=value ...]
               asyncify tb bench [--quick] [--instances] [--engine native|interpreter|automatic]

        `tb run` provides the helpers h_mix(a, b) -> (a ^ (b << 1)) + 0x1234567, h_sink(a),
        h_six(a, b, c, d, e, f) -> a + 2b + 3c + 4d + 5e + 6f and h_const() -> 0x5a5a
        (call h_mix rD <- rA, rB); --mode instance-globals is only safe with one fiber.
        --engine ir runs every TB on the TB IR interpreter, wasm as Wasm on the native tier where
        the host has it (else our Wasm interpreter); native and interpreter are wasm with the
        Wasm engine pinned.
        """

    static func main(_ arguments: [String]) -> Int32 {
        if arguments.first == "bench" { return TBBenchCommand.main(Array(arguments.dropFirst())) }
        guard arguments.count >= 2 else { return Usage.fail(usage) }
        let path = arguments[1]
        let data: [UInt8]
        do {
            data = try CommandLineSupport.read(path)
        } catch {
            return Usage.error("tb: \(error)")
        }
        let tb: TranslationBlock
        do {
            tb = try parse(data, for: arguments[0])
        } catch {
            return Usage.error("\(path):\(error)")
        }
        var rest = Array(arguments.dropFirst(2))
        if arguments[0] == "run" {
            // Further TBs that goto_tb/goto_ptr may reach: every argument naming a .tb file.
            var tbs = [tb]
            for extra in rest where extra.hasSuffix(".tb") {
                let data: [UInt8]
                do {
                    data = try CommandLineSupport.read(extra)
                } catch {
                    return Usage.error("tb: \(error)")
                }
                do {
                    tbs.append(try parse(data, for: "run"))
                } catch {
                    return Usage.error("\(extra):\(error)")
                }
            }
            rest.removeAll { $0.hasSuffix(".tb") }
            return TBRunCommand.run(tbs, rest)
        }
        switch arguments[0] {
        case "check":
            print(tb.text, terminator: "")
            return 0
        case "emit", "compile": return emit(tb, path: path, rest)
        case "print": return printWAT(tb, rest)
        case "interp": return run(tb, rest)
        default: return Usage.fail(usage)
        }
    }

    /// Parses a TB's text; for `run`, its calls must match the helpers `run` provides.
    static func parse(_ data: [UInt8], for subcommand: String) throws(TBParseError) -> TranslationBlock {
        let text = String(decoding: data, as: UTF8.self)
        if subcommand == "run" { return try TranslationBlock(parsing: text, helpers: TBRunCommand.helpers) }
        return try TranslationBlock(parsing: text)
    }

    static func emit(_ tb: TranslationBlock, path: String, _ options: [String]) -> Int32 {
        var output = (path.hasSuffix(".tb") ? String(path.dropLast(3)) : path) + ".wasm"
        var addressing = TBEmitter.Addressing.memory64
        var i = 0
        while i < options.count {
            switch options[i] {
            case "--memory32", "--wasm32": addressing = .memory32
            case "-o" where i + 1 < options.count:
                output = options[i + 1]
                i += 1
            default: return Usage.fail("unknown option \(options[i])\n\(usage)")
            }
            i += 1
        }
        let module = TBEmitter.module(for: tb, addressing: addressing)
        do {
            try module.validate()
        } catch {
            return Usage.error("emitted module is invalid: \(error)")
        }
        guard FileManager.default.createFile(atPath: output, contents: Data(module.encoded())) else {
            return Usage.error("cannot write \(output)")
        }
        print(
            "\(output): \(tb.ops.count) ops, \(tb.helpers.count) helpers (\(tb.helpers.map(\.name).joined(separator: ", ")))"
        )
        return 0
    }

    static func printWAT(_ tb: TranslationBlock, _ options: [String]) -> Int32 {
        var addressing = TBEmitter.Addressing.memory64
        for option in options {
            guard option == "--wasm32" || option == "--memory32" else {
                return Usage.fail("unknown option \(option)\n\(usage)")
            }
            addressing = .memory32
        }
        print(TBEmitter.module(for: tb, addressing: addressing).wat, terminator: "")
        return 0
    }

    static func run(_ tb: TranslationBlock, _ assignments: [String]) -> Int32 {
        var regs = TBRegisters()
        for a in assignments {
            let parts = a.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, parts[0].first == "r", let n = UInt8(parts[0].dropFirst()),
                let r = TBReg(rawValue: n),
                let v = parts[1].hasPrefix("0x") ? UInt64(parts[1].dropFirst(2), radix: 16) : UInt64(parts[1])
            else { return Usage.fail("bad register assignment '\(a)' (expected rN=value)") }
            regs[r] = v
        }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 0x10_0000, alignment: 16)
        defer { buffer.deallocate() }
        buffer.initializeMemory(as: UInt8.self, repeating: 0)
        let memory = TBMemory(buffer)
        let mmu = TBSoftMMU(memory: memory, guestBase: 0, hostBase: 0x1_0000, byteCount: 0xF_0000)
        do {
            try TBSoftMMU.initializeContext(memory: memory, at: 0x100, env: 0x1000, tlb: 0x2000)
            let result = try TBInterpreter.run(
                tb, memory: memory, context: 0x100, registers: &regs, helpers: mmu.helpers,
                stepLimit: 100_000_000)
            let next = try memory.load(.u64, at: 0x100, offset: TBContextLayout.nextTBOffset)
            print("result 0x\(String(result, radix: 16)), next_tb 0x\(String(next, radix: 16))")
            for r in TBReg.allCases where regs[r] != 0 { print("\(r) = 0x\(String(regs[r], radix: 16))") }
            return 0
        } catch {
            return Usage.error("\(error)")
        }
    }
}

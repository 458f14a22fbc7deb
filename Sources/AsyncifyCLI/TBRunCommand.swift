// `asyncify tb run`: runs a TB on the TB runtime (IR interpreter and/or Wasm
// on the native tier or our Wasm interpreter) in K fibers, each on its own CPU with the given initial
// registers. With --yield-every N, every N-th helper call a fiber makes
// (guest-memory slow paths included) swaps to the scheduler, which resumes the
// fibers round-robin: all K may be suspended inside the same TB instance.
// Prints each fiber's final registers, one per line, `rN = 0x...`
// (preceded by `# fiber i` when K > 1), and with --stats the number of helper
// calls the fiber made (guest-memory slow paths included) as `# helper calls: N`.
// Several TBs may be given: all are installed, the first one runs, and the
// others run when a goto_tb/goto_ptr names their pc.

import Asyncify
import Foundation
import TBCodegen
import TBRuntime
import TestSupport

enum TBRunCommand {
    final class Shared {
        var done: [Bool]
        var calls: [Int]
        init(_ k: Int) {
            done = Array(repeating: false, count: k)
            calls = Array(repeating: 0, count: k)
        }
    }

    /// The helpers a TB run here may call (besides the guest-memory slow paths).
    static let helpers = RandomTBGenerator.helperSignatures

    static func run(_ tbs: [TranslationBlock], _ options: [String]) -> Int32 {
        var configuration = TBRuntimeConfiguration()
        var yieldEvery = 0
        var printStatistics = false
        var fiberCount = 1
        var registers = TBRegisters()
        var i = 0
        func value(_ name: String) -> String? {
            guard i + 1 < options.count else { return nil }
            i += 1
            return options[i]
        }
        while i < options.count {
            let option = options[i]
            switch option {
            case "--engine":
                switch value(option) {
                case "ir": configuration.compileThreshold = .max
                case "wasm": configuration.compileThreshold = 0
                case "native":
                    configuration.compileThreshold = 0
                    configuration.engine = .native
                case "interpreter":
                    configuration.compileThreshold = 0
                    configuration.engine = .interpreter
                default: return Usage.fail("--engine takes ir, wasm, native or interpreter")
                }
            case "--threshold":
                guard let n = value(option).flatMap({ Int($0) }), n >= 0 else {
                    return Usage.fail("--threshold takes a count")
                }
                configuration.compileThreshold = n
            case "--yield-every":
                guard let n = value(option).flatMap({ Int($0) }), n >= 0 else {
                    return Usage.fail("--yield-every takes a count")
                }
                yieldEvery = n
            case "--fibers":
                guard let n = value(option).flatMap({ Int($0) }), (1...64).contains(n) else {
                    return Usage.fail("--fibers takes a count from 1 to 64")
                }
                fiberCount = n
            case "--mode":
                switch value(option) {
                case "per-fiber": configuration.mode = .perFiber
                case "instance-globals": configuration.mode = .instanceGlobals
                default: return Usage.fail("--mode takes per-fiber or instance-globals")
                }
            case "--wasm32": configuration.addressing = .memory32
            case "--stats": printStatistics = true
            default:
                let parts = option.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2, parts[0].first == "r", let n = UInt8(parts[0].dropFirst()),
                    let r = TBReg(rawValue: n),
                    let v = parts[1].hasPrefix("0x")
                        ? UInt64(parts[1].dropFirst(2), radix: 16) : UInt64(parts[1])
                else {
                    return Usage.fail(
                        "unknown option or bad register assignment '\(option)'\n\(TBCommand.usage)")
                }
                registers[r] = v
            }
            i += 1
        }
        configuration.maximumCPUs = fiberCount
        if configuration.mode == .instanceGlobals && fiberCount > 1 {
            // The mode exists to show this failure, so it runs; but say so.
            FileHandle.standardError.write(
                Data(
                    ("asyncify: warning: --mode instance-globals keeps a suspended TB's resumption state in "
                        + "the module instance's globals (as QEMU's Wasm TCG backend does): with \(fiberCount) "
                        + "fibers suspended in one TB they overwrite each other's, so the registers printed "
                        + "may be wrong; use --mode per-fiber\n").utf8))
        }
        do {
            let (cpus, calls) = try execute(
                tbs, configuration, registers, fibers: fiberCount, yieldEvery: yieldEvery)
            for (k, regs) in cpus.enumerated() {
                if fiberCount > 1 { print("# fiber \(k)") }
                for r in TBReg.allCases { print("\(r) = 0x\(String(regs[r], radix: 16))") }
                if printStatistics { print("# helper calls: \(calls[k])") }
            }
            return 0
        } catch {
            return Usage.error("tb run: \(error)")
        }
    }

    /// Runs `tbs[0]` (reaching the others through goto_tb) in `k` fibers;
    /// returns each fiber's final registers and its number of helper calls.
    static func execute(
        _ tbs: [TranslationBlock], _ configuration: TBRuntimeConfiguration, _ registers: TBRegisters,
        fibers k: Int,
        yieldEvery: Int
    ) throws -> ([TBRegisters], [Int]) {
        let runtime = try TBRuntime(configuration: configuration)
        for tb in tbs { runtime.install(tb) }
        let tb = tbs[0]
        let fibers = FiberRuntime()
        let main = fibers.makeFiberFromCurrentContext(name: "scheduler")
        let workers = (0..<k).map { fibers.allocateFiber(name: "fiber \($0)") }
        let shared = Shared(k)
        let mmu = runtime.softMMU
        let builtins: [String: TBHelperFunction] = mmu.helpers.merging(
            RandomTBGenerator.helperSignatures.map { signature in
                (signature.name, { args in RandomTBGenerator.evaluateHelper(signature.name, args) })
            }, uniquingKeysWith: { a, _ in a })
        var registered: Set<String> = []
        for tb in tbs {
            for signature in tb.helpers where registered.insert(signature.name).inserted {
                guard let body = builtins[signature.name] else {
                    throw TBRuntimeError(.missingHelper(name: signature.name, pc: tb.pc))
                }
                runtime.registerHelper(signature.name) { call, args in
                    var frame = call.fibers.enter()
                    if frame.isRewinding { try frame.restore() }
                    if frame.isNormal {
                        let me = call.cpu.index
                        shared.calls[me] += 1
                        if yieldEvery == 0 || shared.calls[me] % yieldEvery != 0 { return try body(args) }
                    }
                    try call.fibers.swap(from: workers[call.cpu.index], to: main)
                    if try frame.unwinding(at: 1) { return 0 }
                    return try body(args)
                }
            }
        }
        var cpus: [TBCPU] = []
        for index in 0..<k {
            let cpu = try runtime.makeCPU()
            runtime.setRegisters(registers, of: cpu)
            cpus.append(cpu)
            let me = workers[index]
            try fibers.initialize(me, asyncifyStackSize: 4096) { cx, _ in
                var frame = cx.enter()
                if frame.isRewinding { try frame.restore() }
                if frame.calls(1) {
                    _ = try runtime.execute(cx, cpu: cpu, pc: tb.pc)
                    if try frame.unwinding(at: 1) { return }
                    shared.done[index] = true
                }
                while true {
                    try cx.swap(from: me, to: main)
                    if try frame.unwinding(at: 2) { return }
                }
            }
        }
        try fibers.run { cx, _ in
            var next = 0
            var frame = cx.enter()
            if frame.isRewinding { next = try frame.restore() }
            while frame.isRewinding || shared.done.contains(false) {
                if frame.isRewinding || !shared.done[next] {
                    try cx.swap(from: main, to: workers[next])
                    if try frame.unwinding(at: 1, saving: next) { return }
                }
                next = (next + 1) % k
            }
        }
        return (cpus.map { runtime.registers(of: $0) }, shared.calls)
    }
}

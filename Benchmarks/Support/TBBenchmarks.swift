import Asyncify
import Foundation
import TBCodegen
import TBRuntime
import WasmBinary
import WasmInterpreter

/// Workloads for `switch-bench`: fiber swaps with a TB frame on the stack,
/// code generation cost, and a TB-heavy workload on each engine.
public enum TBBenchmarks {
    /// What ``swapWithTBFrame(hostDepth:swaps:mode:engine:)`` measured.
    public struct SwapResult: Sendable {
        /// Participating Swift frames under `execute` in each fiber.
        public let hostDepth: Int
        /// One-way swaps performed.
        public let swaps: Int
        /// Wall time of the loop in nanoseconds.
        public let nanoseconds: Double
        /// Nanoseconds per one-way swap.
        public var nanosecondsPerSwap: Double { nanoseconds / Double(max(swaps, 1)) }
    }

    /// Two fibers, each `hostDepth` participating Swift frames deep, run the same
    /// TB instance (Wasm on `engine`); the TB calls a helper that swaps to
    /// the other fiber, so every swap unwinds and rewinds the host frames,
    /// `execute`, `call_wasm_tb` and the TB.
    public static func swapWithTBFrame(
        hostDepth: Int, swaps: Int, mode: TBResumptionMode = .perFiber, engine: Store.Engine = .automatic
    ) throws -> SwapResult {
        let depth = max(hostDepth, 1)
        var c = TBRuntimeConfiguration()
        c.compileThreshold = 0
        c.engine = engine
        c.mode = mode
        c.maximumCPUs = 2
        let runtime = try TBRuntime(configuration: c)
        var b = TBBuilder(pc: 0x100)
        let loop = b.newLabel()
        b.movi(.r0, 0)
        b.setLabel(loop)
        b.callHelper("h_swap", args: [.r1], result: .r2)
        b.add(.r1, .r1, .r2)
        b.brcond(.ne, .r2, .r0, loop)
        b.exitTB(0)
        runtime.install(try b.finish())
        let fibers = FiberRuntime()
        let main = fibers.makeFiberFromCurrentContext(name: "main")
        let pair = [fibers.allocateFiber(name: "a"), fibers.allocateFiber(name: "b")]
        let counter = UnsafeMutablePointer<Int>.allocate(capacity: 1)
        counter.initialize(to: 0)
        defer { counter.deallocate() }
        runtime.registerHelper("h_swap") { call, _ in
            var frame = call.fibers.enter()
            if frame.isRewinding { try frame.restore() }
            let me = call.cpu.index
            var target = pair[1 - me]
            if frame.isNormal {
                counter.pointee += 1
                if counter.pointee >= swaps { target = main }
            }
            try call.fibers.swap(from: pair[me], to: target)
            if try frame.unwinding(at: 1) { return 0 }
            return 1
        }
        for index in 0..<2 {
            let cpu = try runtime.makeCPU()
            try fibers.initialize(pair[index], asyncifyStackSize: 512 + 16 * depth) { cx, _ in
                try nest(cx, depth) { cx in _ = try runtime.execute(cx, cpu: cpu, pc: 0x100) }
                if cx.isUnwinding { return }
                while true {
                    try cx.swap(from: pair[index], to: main)
                    if cx.isUnwinding { return }
                }
            }
        }
        let clock = ContinuousClock()
        let start = clock.now
        try fibers.run { cx, _ in
            var frame = cx.enter()
            if frame.isRewinding { try frame.restore() }
            try cx.swap(from: main, to: pair[0])
            if try frame.unwinding(at: 1) { return }
        }
        return SwapResult(
            hostDepth: depth, swaps: counter.pointee, nanoseconds: nanoseconds(clock.now - start))
    }

    /// `depth` participating frames, the innermost calling `body`.
    static func nest(_ cx: FiberContext, _ depth: Int, _ body: (FiberContext) throws -> Void) throws {
        var depth = depth
        var frame = cx.enter()
        if frame.isRewinding { depth = try frame.restore() }
        if depth > 1 {
            try nest(cx, depth - 1, body)
        } else {
            try body(cx)
        }
        _ = try frame.unwinding(at: 1, saving: depth)
    }

    /// What ``codegenCost(opCount:samples:)`` measured (averages per TB).
    public struct CodegenResult: Sendable {
        /// Ops per TB (average of the generated TBs).
        public let ops: Double
        /// Microseconds to emit the module and encode it.
        public let emitMicroseconds: Double
        /// Microseconds to validate it.
        public let validateMicroseconds: Double
        /// Microseconds to instantiate it on our interpreter (translation included).
        public let instantiateMicroseconds: Double
        /// Encoded module bytes per op.
        public let bytesPerOp: Double
        /// Emit + validate + instantiate, in microseconds.
        public var totalMicroseconds: Double {
            emitMicroseconds + validateMicroseconds + instantiateMicroseconds
        }
    }

    /// A TB of `opCount` ops (give or take 2) in a realistic mix: mostly
    /// arithmetic, an env load or store every 8th op, a guest load or store
    /// every 16th, a helper call every 32nd, a conditional forward branch every 64th.
    public static func syntheticTB(opCount: Int, guestBase: UInt64 = 0x4_0000) throws -> TranslationBlock {
        var b = TBBuilder(pc: 0x100)
        var n = 0
        var pendingLabel: TBLabel?
        let regs = TBReg.allCases
        while n < max(opCount, 1) - 1 {
            let d = regs[n % 12]
            let a = regs[(n + 3) % 12]
            let c = regs[(n + 7) % 12]
            if n % 64 == 63, pendingLabel == nil {
                let l = b.newLabel()
                b.brcond(.eq, a, c, l)
                pendingLabel = l
            } else if n % 64 == 40, let l = pendingLabel {
                b.setLabel(l)
                pendingLabel = nil
            } else if n % 32 == 31 {
                b.callHelper("h_mix", args: [a, c], result: d)
            } else if n % 16 == 15 {
                b.movi(.r12, guestBase + UInt64(n % 512) * 8)
                if n % 32 == 15 {
                    b.guestLoad(.u64, d, address: .r12)
                } else {
                    b.guestStore(.u64, d, address: .r12)
                }
                n += 1
            } else if n % 8 == 7 {
                if n % 16 == 7 {
                    b.loadEnv(.u64, d, offset: Int32(n % 32) * 8)
                } else {
                    b.storeEnv(.u64, d, offset: Int32(n % 32) * 8)
                }
            } else {
                switch n % 4 {
                case 0: b.add(d, a, c)
                case 1: b.xor(d, a, c)
                case 2: b.mul(d, a, c, width: .w32)
                default: b.movi(d, UInt64(n) &* 0x9E37_79B9)
                }
            }
            n += 1
        }
        if let l = pendingLabel { b.setLabel(l) }
        b.exitTB(0)
        return try b.finish()
    }

    /// Emits, validates and instantiates `samples` copies of ``syntheticTB(opCount:guestBase:)``.
    public static func codegenCost(opCount: Int, samples: Int) throws -> CodegenResult {
        var c = TBRuntimeConfiguration()
        c.compileThreshold = 0
        c.instanceCap = Int.max
        let runtime = try TBRuntime(configuration: c)
        let tb = try syntheticTB(opCount: opCount, guestBase: c.guestBase)
        let clock = ContinuousClock()
        var (emit, validate, instantiate, ops, bytes) = (0.0, 0.0, 0.0, 0, 0)
        for _ in 0..<max(samples, 1) {
            let t0 = clock.now
            let module = TBEmitter.module(for: tb, addressing: .memory64)
            let encoded = module.encoded()
            let t1 = clock.now
            try module.validate()
            let t2 = clock.now
            let instance = try runtime.instantiateUncached(module, for: tb)
            let t3 = clock.now
            // Freed after the measurement (its store goes with it), as an evicted instance is.
            withExtendedLifetime(instance) {}
            emit += nanoseconds(t1 - t0)
            validate += nanoseconds(t2 - t1)
            instantiate += nanoseconds(t3 - t2)
            ops += tb.ops.count
            bytes += encoded.count
        }
        let n = Double(max(samples, 1))
        return CodegenResult(
            ops: Double(ops) / n, emitMicroseconds: emit / n / 1000,
            validateMicroseconds: validate / n / 1000,
            instantiateMicroseconds: instantiate / n / 1000, bytesPerOp: Double(bytes) / Double(max(ops, 1)))
    }

    /// Microseconds per TB for the runtime's whole compile path of
    /// ``syntheticTB(opCount:guestBase:)`` (emit, validate when the
    /// configuration asks for it, instantiate, compile - to machine code on
    /// the native engine), averaged over `samples`.
    public static func compilePath(opCount: Int, samples: Int) throws -> Double {
        var c = TBRuntimeConfiguration()
        c.compileThreshold = 0
        let runtime = try TBRuntime(configuration: c)
        let tb = try syntheticTB(opCount: opCount, guestBase: c.guestBase)
        withExtendedLifetime(try runtime.compileUncached(tb)) {}
        let clock = ContinuousClock()
        let start = clock.now
        for _ in 0..<max(samples, 1) { withExtendedLifetime(try runtime.compileUncached(tb)) {} }
        return nanoseconds(clock.now - start) / 1000 / Double(max(samples, 1))
    }

    /// One point of ``instanceMemory(checkpoints:opCount:)``'s curve.
    public struct InstancePoint: Sendable {
        /// Live TB instances at this point.
        public let instances: Int
        /// Resident bytes added since the first instance, per live instance.
        public let residentBytesPerInstance: Double
        /// Microseconds per instance since the previous point: emit, validate,
        /// instantiate, translate and run the TB once.
        public let microsecondsPerInstance: Double
    }

    /// The resident set size of this process (from `/proc/self/statm`), or nil off Linux.
    public static func residentBytes() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return nil }
        let fields = text.split(separator: " ")
        guard fields.count >= 2, let pages = Int(fields[1]) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// Runs distinct TBs of `opCount` ops once each on the Wasm engine (no
    /// instance cap, so every instance stays live, as QEMU keeps its TBs) and
    /// reports the resident growth per live instance at each checkpoint: how
    /// much keeping N TB instances costs, and whether the cost stays flat as N
    /// grows. The TBs differ in pc and constants, so nothing can be deduplicated
    /// by content. Nil where the resident size cannot be read.
    public static func instanceMemory(
        checkpoints: [Int] = [1000, 5000, 10_000, 15_000], opCount: Int = 20
    ) throws -> [InstancePoint]? {
        var c = TBRuntimeConfiguration()
        c.compileThreshold = 0
        c.instanceCap = Int.max
        c.maximumCPUs = 1
        let runtime = try TBRuntime(configuration: c)
        let total = checkpoints.max() ?? 0
        for k in 0..<total {
            var b = TBBuilder(pc: 0x10_0000 + UInt64(k) * 0x40)
            let regs = TBReg.allCases
            for n in 0..<max(opCount - 1, 1) {
                let d = regs[n % 12]
                let a = regs[(n + 3) % 12]
                switch n % 3 {
                case 0: b.movi(d, UInt64(k &* 131 &+ n))
                case 1: b.add(d, a, d)
                default: b.xor(d, d, a)
                }
            }
            b.exitTB(0)
            runtime.install(try b.finish())
        }
        let cpu = try runtime.makeCPU()
        let fibers = FiberRuntime()
        var points: [InstancePoint] = []
        let clock = ContinuousClock()
        try fibers.run { cx, _ in
            // The first instance pays for one-time setup (type tables, code
            // pages of the interpreter); the baseline is taken after it.
            _ = try runtime.execute(cx, cpu: cpu, pc: 0x10_0000)
            guard let base = residentBytes() else { return }
            var done = 1
            var last = clock.now
            for checkpoint in checkpoints.sorted() {
                while done < checkpoint {
                    _ = try runtime.execute(cx, cpu: cpu, pc: 0x10_0000 + UInt64(done) * 0x40)
                    done += 1
                }
                let now = clock.now
                let previous = points.last?.instances ?? 1
                guard let rss = residentBytes() else { return }
                points.append(
                    InstancePoint(
                        instances: done,
                        residentBytesPerInstance: Double(rss - base) / Double(max(done - 1, 1)),
                        microsecondsPerInstance: nanoseconds(now - last) / 1000
                            / Double(max(done - previous, 1))))
                last = clock.now
            }
        }
        if points.count != checkpoints.count { return nil }
        return points
    }

    /// The engine a workload runs on.
    public enum Engine: String, Sendable, CaseIterable {
        /// The runtime's IR interpreter.
        case interpreter
        /// The emitted Wasm (on the Wasm engine the call names).
        case wasm
    }

    /// What ``workload(engine:runs:wasmEngine:)`` measured.
    public struct WorkloadResult: Sendable {
        /// TB runs.
        public let runs: Int
        /// Wall time in nanoseconds.
        public let nanoseconds: Double
        /// The checksum the TB left in r2 (equal on every engine).
        public let checksum: UInt64
        /// Nanoseconds per TB run.
        public var nanosecondsPerRun: Double { nanoseconds / Double(max(runs, 1)) }
    }

    /// The guest RAM words the workload TB walks per run.
    public static let workloadWords: UInt64 = 2048
    static let workloadPC: UInt64 = 0x5000

    /// The workload TB: walks `workloadWords` guest words, mixing each into a
    /// checksum (r2) and writing it back: loads, stores (TLB fast path once
    /// filled), arithmetic and a backward branch per word.
    public static func workloadTB(guestBase: UInt64) throws -> TranslationBlock {
        var b = TBBuilder(pc: workloadPC)
        b.movi(.r1, guestBase)
        b.movi(.r3, 0)
        b.movi(.r4, 1)
        b.movi(.r5, workloadWords)
        b.movi(.r8, 8)
        b.movi(.r9, 0x9E37_79B9_7F4A_7C15)
        let loop = b.newLabel()
        b.setLabel(loop)
        b.guestLoad(.u64, .r6, address: .r1)
        b.add(.r2, .r2, .r6)
        b.mul(.r7, .r2, .r9)
        b.xor(.r2, .r2, .r7)
        b.rotl(.r2, .r2, .r3)
        b.guestStore(.u64, .r2, address: .r1)
        b.add(.r1, .r1, .r8)
        b.add(.r3, .r3, .r4)
        b.brcond(.ltu, .r3, .r5, loop)
        b.exitTB(0)
        return try b.finish()
    }

    /// Runs the workload TB `runs` times on `engine` (one fiber, no swaps);
    /// Wasm runs on `wasmEngine`, its module emitted in `layout`.
    public static func workload(
        engine: Engine, runs: Int, wasmEngine: Store.Engine = .automatic,
        layout: TBEmitter.StateLayout = TBEmitter.defaultLayout
    ) throws -> WorkloadResult {
        var c = TBRuntimeConfiguration()
        c.compileThreshold = engine == .wasm ? 0 : .max
        c.engine = wasmEngine
        c.layout = layout
        c.maximumCPUs = 1
        let runtime = try TBRuntime(configuration: c)
        runtime.install(try workloadTB(guestBase: c.guestBase))
        let cpu = try runtime.makeCPU()
        let fibers = FiberRuntime()
        let clock = ContinuousClock()
        let start = clock.now
        try fibers.run { cx, _ in
            for _ in 0..<runs { _ = try runtime.execute(cx, cpu: cpu, pc: workloadPC) }
        }
        let elapsed = nanoseconds(clock.now - start)
        return WorkloadResult(runs: runs, nanoseconds: elapsed, checksum: runtime.registers(of: cpu)[.r2])
    }

    /// Runs the same workload module under node (V8) and returns its timing,
    /// or nil when node is not at `nodePath`. The module, a zeroed memory with
    /// the same layout and JS slow paths are handed to a small script that calls
    /// `start(ctx)` `runs` times and reports the time and r2.
    public static func workloadOnNode(
        runs: Int, nodePath: String = "/usr/bin/node", layout: TBEmitter.StateLayout = TBEmitter.defaultLayout
    ) throws -> WorkloadResult? {
        guard FileManager.default.isExecutableFile(atPath: nodePath) else { return nil }
        let c = TBRuntimeConfiguration()
        let tb = try workloadTB(guestBase: c.guestBase)
        // The emitted module plus an export of r2, so the script can read the checksum.
        var module = TBEmitter.module(for: tb, addressing: .memory64, layout: layout)
        module.exports.append(Export(name: "g2", descriptor: .global(2)))
        let wasm = module.encoded()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
            "tbbench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let wasmURL = dir.appendingPathComponent("tb.wasm")
        let jsURL = dir.appendingPathComponent("run.js")
        try Data(wasm).write(to: wasmURL)
        try Data(nodeScript.utf8).write(to: jsURL)
        let ctx = TBRuntimeConfiguration.firstCPUAddress
        let arguments = [
            "--experimental-wasm-memory64", jsURL.path, wasmURL.path, "\(c.memoryPages)", "\(ctx)",
            "\(ctx + TBRuntimeConfiguration.envOffset)", "\(ctx + TBRuntimeConfiguration.tlbOffset)",
            "\(c.guestBase)", "\(c.guestRAMHostBase)", "\(c.guestRAMSize)", "\(runs)",
        ]
        let process = Process()
        process.executableURL = URL(fileURLWithPath: nodePath)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        let errorLog = dir.appendingPathComponent("stderr.txt")
        _ = FileManager.default.createFile(atPath: errorLog.path, contents: nil)
        process.standardError = try FileHandle(forWritingTo: errorLog)
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let fields = String(decoding: output, as: UTF8.self).split(whereSeparator: \.isWhitespace)
        guard process.terminationStatus == 0, fields.count == 2, let ns = Double(fields[0]),
            let checksum = UInt64(fields[1])
        else {
            throw TBRuntimeError(
                .wasm(
                    pc: tb.pc,
                    reason:
                        "node failed: \(String(decoding: output, as: UTF8.self)) \((try? String(contentsOf: errorLog, encoding: .utf8)) ?? "")"
                ))
        }
        return WorkloadResult(runs: runs, nanoseconds: ns, checksum: checksum)
    }

    static let nodeScript = #"""
        'use strict';
        const fs = require('fs');
        const [wasmPath, pagesS, ctxS, envS, tlbS, guestBaseS, hostBaseS, ramSizeS, runsS] = process.argv.slice(2);
        const memory = new WebAssembly.Memory({ initial: Number(pagesS), maximum: Number(pagesS), shared: true, index: 'i64' });
        const dv = new DataView(memory.buffer);
        const ctx = BigInt(ctxS), tlb = BigInt(tlbS), guestBase = BigInt(guestBaseS), hostBase = BigInt(hostBaseS);
        const ramSize = BigInt(ramSizeS), MASK = (1n << 64n) - 1n, addend = (hostBase - guestBase) & MASK;
        dv.setBigUint64(Number(ctx), BigInt(envS), true);
        dv.setBigUint64(Number(ctx) + 8, tlb, true);
        for (let e = 0; e < 256; e++) {
          dv.setBigUint64(Number(tlb) + e * 32, MASK, true);
          dv.setBigUint64(Number(tlb) + e * 32 + 8, MASK, true);
        }
        function translate(a, size) {
          if (a < guestBase || a - guestBase + BigInt(size) > ramSize) throw new Error('guest fault');
          const page = a & (MASK ^ 4095n);
          const entry = Number(tlb + ((a >> 12n) & 255n) * 32n);
          dv.setBigUint64(entry, page, true); dv.setBigUint64(entry + 8, page, true);
          dv.setBigUint64(entry + 16, addend, true);
          return Number((a + addend) & MASK);
        }
        const imports = { env: { memory }, helper: {
          u: () => 1,
          0: (c, a, memop) => { const i = translate(a, 8); return dv.getBigUint64(i, true); },
          1: (c, a, v, memop) => { const i = translate(a, 8); dv.setBigUint64(i, v, true); },
        } };
        const instance = new WebAssembly.Instance(new WebAssembly.Module(fs.readFileSync(wasmPath)), imports);
        const runs = Number(runsS);
        const t0 = process.hrtime.bigint();
        for (let r = 0; r < runs; r++) {
          dv.setUint32(Number(ctx) + 24, 1, true);
          instance.exports.start(ctx);
        }
        const t1 = process.hrtime.bigint();
        console.log(String(t1 - t0), String(instance.exports.g2.value & MASK));
        """#

    static func nanoseconds(_ d: Duration) -> Double {
        Double(d.components.seconds) * 1e9 + Double(d.components.attoseconds) / 1e9
    }
}

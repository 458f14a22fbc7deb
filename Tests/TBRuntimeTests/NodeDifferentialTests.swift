import Foundation
import TBCodegen
import TBRuntime
import TestSupport
import Testing
import WasmBinary

/// The third leg of the random-TB differential: the same 10,000 TBs as
/// `RandomTBDifferentialTests`, from the same initial states, run by node (V8)
/// on the emitted modules with the helpers and the softmmu slow paths written
/// in JS. Final registers, result, env, guest RAM and the helper call sequence
/// must equal TBCodegen's reference interpreter, which the sharded suite ties
/// to the runtime's IR engine and to Wasm on our interpreter on exactly these
/// (TB, state) pairs. A sample of the TBs also runs as Wasm on our interpreter
/// and our native tier here, so this test alone shows all of them agreeing.
///
/// One node process runs everything: Swift writes one batch file (per TB: the
/// module, its helper list, registers and memory seed; node rebuilds the
/// memory with the same Mulberry32 fill) and node writes one line of digests
/// per TB (FNV-1a over 32-bit words, see `wordHash`). Where python's `wasmtime`
/// package is installed, every 20th TB of the same batch also runs on wasmtime
/// (`WasmtimeHarness`), in parallel with node.
@Suite struct NodeDifferentialTests {
    /// The helper names by the code the batch file uses.
    static let helperNames =
        RandomTBGenerator.helperSignatures.map(\.name) + [
            TBHelperSignature.guestLoadSlowPath.name, TBHelperSignature.guestStoreSlowPath.name,
        ]

    static let script = #"""
        'use strict';
        const fs = require('fs');
        const [batchPath, basePath, outPath, countS, ctxS, envS, envBytesS, guestBaseS, hostBaseS, ramSizeS] =
            process.argv.slice(2);
        const MASK = (1n << 64n) - 1n, PAGE_MASK = MASK ^ 4095n;
        const ctx = BigInt(ctxS), guestBase = BigInt(guestBaseS), hostBase = BigInt(hostBaseS), ramSize = BigInt(ramSizeS);
        const envAt = Number(envS), envBytes = Number(envBytesS), ramAt = Number(hostBaseS), ramBytes = Number(ramSizeS);
        const addend = (hostBase - guestBase) & MASK;
        const base = new Uint8Array(fs.readFileSync(basePath));
        const batch = fs.readFileSync(batchPath);
        const bv = new DataView(batch.buffer, batch.byteOffset, batch.byteLength);
        const memory = new WebAssembly.Memory({ initial: base.length / 65536, maximum: base.length / 65536, shared: true, index: 'i64' });
        const u8 = new Uint8Array(memory.buffer), dv = new DataView(memory.buffer);
        const size = BigInt(base.length);
        const at = (a, n) => { if (a + BigInt(n) > size) throw new Error('oob'); return Number(a); };
        function translate(addr, n) {
          const rel = (addr - guestBase) & MASK;
          if (!(addr >= guestBase && rel <= ramSize && ramSize - rel >= BigInt(n))) throw new Error('guest fault');
          const page = addr & PAGE_MASK, pageRel = (page - guestBase) & MASK;
          if (page >= guestBase && pageRel <= ramSize && ramSize - pageRel >= 4096n) {
            const tlb = dv.getBigUint64(Number(ctx) + 8, true);
            const e = Number((tlb + ((addr >> 12n) & 255n) * 32n) & MASK);
            dv.setBigUint64(e, page, true); dv.setBigUint64(e + 8, page, true); dv.setBigUint64(e + 16, addend, true);
          }
          return (addr + addend) & MASK;
        }
        function load(a, memop) {
          const n = 1 << Number(memop & 3n), signed = (memop & 4n) !== 0n, i = at(a, n);
          if (n === 1) return BigInt.asUintN(64, BigInt(signed ? dv.getInt8(i) : dv.getUint8(i)));
          if (n === 2) return BigInt.asUintN(64, BigInt(signed ? dv.getInt16(i, true) : dv.getUint16(i, true)));
          if (n === 4) return BigInt.asUintN(64, BigInt(signed ? dv.getInt32(i, true) : dv.getUint32(i, true)));
          return dv.getBigUint64(i, true);
        }
        function store(a, v, memop) {
          const n = 1 << Number(memop & 3n), i = at(a, n);
          if (n === 1) dv.setUint8(i, Number(v & 0xffn));
          else if (n === 2) dv.setUint16(i, Number(v & 0xffffn), true);
          else if (n === 4) dv.setUint32(i, Number(v & 0xffffffffn), true);
          else dv.setBigUint64(i, v, true);
        }
        const impl = [
          (a, b) => ((a ^ ((b << 1n) & MASK)) + 0x1234567n) & MASK,            // h_mix
          (a) => undefined,                                                   // h_sink
          (a, b, c, d, e, f) => (a + 2n * b + 3n * c + 4n * d + 5n * e + 6n * f) & MASK,  // h_six
          () => 0x5a5an,                                                      // h_const
          (c, addr, memop) => load(translate(addr, 1 << Number(memop & 3n)), memop),       // qemu_ld
          (c, addr, v, memop) => { store(translate(addr, 1 << Number(memop & 3n)), v, memop); },  // qemu_st
        ];
        // FNV-1a over 32-bit words, as the Swift side's wordHash.
        const mix = (h, w) => Math.imul((h ^ w) >>> 0, 0x01000193) >>> 0;
        function hashBytes(h, off, n) {
          for (let i = 0; i < n; i += 4) h = mix(h, dv.getUint32(off + i, true));
          return h;
        }
        let callHash = 0, callCount = 0;
        const lines = [];
        let p = 0;
        for (let t = 0; t < Number(countS); t++) {
          const wasmLen = bv.getUint32(p, true); p += 4;
          const wasm = batch.subarray(p, p + wasmLen); p += wasmLen;
          const helperCount = batch[p]; p += 1;
          const codes = Array.from(batch.subarray(p, p + helperCount)); p += helperCount;
          const seed = bv.getUint32(p, true); p += 4;
          const registers = [];
          for (let i = 0; i < 16; i++) { registers.push(bv.getBigUint64(p, true)); p += 8; }
          // The memory: the reset image, then env and guest RAM from Mulberry32(seed).
          u8.set(base);
          let a = seed | 0;
          const next = () => {
            a = (a + 0x6D2B79F5) | 0;
            let x = Math.imul(a ^ (a >>> 15), 1 | a);
            x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
            return (x ^ (x >>> 14)) >>> 0;
          };
          for (let i = 0; i < envBytes; i += 4) dv.setUint32(envAt + i, next(), true);
          for (let i = 0; i < ramBytes; i += 4) dv.setUint32(ramAt + i, next(), true);
          callHash = 0x811c9dc5; callCount = 0;
          const helper = { u: () => 1 };
          codes.forEach((code, n) => {
            helper[String(n)] = (...raw) => {
              const args = raw.map((x) => BigInt.asUintN(64, x));
              callCount += 1;
              callHash = mix(callHash, code);
              callHash = mix(callHash, args.length);
              for (const x of args) { callHash = mix(callHash, Number(x & 0xffffffffn)); callHash = mix(callHash, Number(x >> 32n)); }
              return impl[code](...args);
            };
          });
          try {
            const inst = new WebAssembly.Instance(new WebAssembly.Module(wasm), { env: { memory }, helper });
            registers.forEach((v, i) => { inst.exports[`g${i}`].value = v; });
            dv.setUint32(Number(ctx) + 24, 1, true);
            let r = BigInt.asUintN(64, inst.exports.start(ctx));
            if (dv.getBigUint64(Number(ctx) + 16, true) !== 0n) r = 0x77n;  // the exit stub's value
            const out = [r.toString(16)];
            for (let i = 0; i < 16; i++) out.push(BigInt.asUintN(64, inst.exports[`g${i}`].value).toString(16));
            out.push(hashBytes(0x811c9dc5, envAt, envBytes).toString(16), hashBytes(0x811c9dc5, ramAt, ramBytes).toString(16),
                     callHash.toString(16), String(callCount));
            lines.push(out.join(' '));
          } catch (e) {
            lines.push('error ' + String(e).replace(/\s+/g, ' '));
          }
        }
        fs.writeFileSync(outPath, lines.join('\n') + '\n');
        """#

    /// The emitted module plus exports `g0`...`g15` of its register globals, so
    /// node can set and read the registers (the function body is unchanged).
    static func observableModule(for tb: TranslationBlock) -> Module {
        var module = TBEmitter.module(for: tb, addressing: .memory64)
        for g in 0..<16 { module.exports.append(Export(name: "g\(g)", descriptor: .global(UInt32(g)))) }
        return module
    }

    /// The digest line node prints for an outcome.
    static func digestLine(_ outcome: RunOutcome) -> String {
        var fields = [String(outcome.result, radix: 16)]
        for v in outcome.registers.values { fields.append(String(v, radix: 16)) }
        var env: UInt32 = 0x811C_9DC5
        wordHash(outcome.env, into: &env)
        var ram: UInt32 = 0x811C_9DC5
        wordHash(outcome.guestRAM, into: &ram)
        var calls: UInt32 = 0x811C_9DC5
        for call in outcome.calls {
            let code = UInt32(helperNames.firstIndex(of: call.name) ?? 255)
            calls = (calls ^ code) &* 0x0100_0193
            calls = (calls ^ UInt32(call.args.count)) &* 0x0100_0193
            for x in call.args {
                calls = (calls ^ UInt32(truncatingIfNeeded: x)) &* 0x0100_0193
                calls = (calls ^ UInt32(truncatingIfNeeded: x >> 32)) &* 0x0100_0193
            }
        }
        fields += [
            String(env, radix: 16), String(ram, radix: 16), String(calls, radix: 16),
            "\(outcome.calls.count)",
        ]
        return fields.joined(separator: " ")
    }

    /// A tool started in the background, its stderr going to a file.
    struct RunningTool {
        var process: Process
        var name: String
        var stderr: URL

        /// Waits for it; throws unless it exited with status 0.
        func wait() throws {
            process.waitUntilExit()
            let text = String(decoding: (try? Data(contentsOf: stderr)) ?? Data(), as: UTF8.self)
            try #require(
                process.terminationStatus == 0, "\(name) exited with \(process.terminationStatus): \(text)")
        }
    }

    static func launch(_ tool: String, _ arguments: [String], in dir: URL, name: String) throws -> RunningTool
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let stderr = dir.appendingPathComponent("\(name).err")
        _ = FileManager.default.createFile(atPath: stderr.path, contents: nil)
        process.standardError = try FileHandle(forWritingTo: stderr)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        return RunningTool(process: process, name: name, stderr: stderr)
    }

    @Test func allRandomTBsAgreeWithNodeAndASampleWithWasmtime() throws {
        let node = "/usr/bin/node"
        guard FileManager.default.isExecutableFile(atPath: node) else {
            print("skipped: node not installed")
            return
        }
        let rig = try RandomTBRig(opCount: 20)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
            "tbrt-node-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try rig.runtime.reset(rig.cpu)
        let baseURL = dir.appendingPathComponent("base.bin")
        try Data(rig.snapshot()).write(to: baseURL)

        let shards = RandomTBDifferentialTests.shards
        let perShard = RandomTBDifferentialTests.perShard
        let count = shards * perShard
        var batch = [UInt8]()
        batch.reserveCapacity(count * 2048)
        func append32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { batch += $0 } }
        var expected: [String] = []
        expected.reserveCapacity(count)
        var sampledOnOurs = 0
        for shard in 0..<shards {
            var generator = RandomTBGenerator(
                seed: RandomTBDifferentialTests.generatorSeed(shard: shard),
                configuration: rig.generatorConfiguration)
            for i in 0..<perShard {
                let tb = generator.next()
                let registers = generator.initialRegisters()
                let seed = RandomTBDifferentialTests.memorySeed(shard: shard, index: i)
                try rig.randomizeMemory(seed: seed)
                let image = rig.snapshot()
                let reference = try rig.runReference(tb, registers: registers)
                expected.append(Self.digestLine(reference))
                // Every 50th TB also as Wasm on our engines, against the same digests.
                if i % 50 == 0 {
                    for engine in wasmEngines {
                        rig.restore(image)
                        rig.runtime.install(tb)
                        rig.runtime.configuration.compileThreshold = 0
                        rig.runtime.configuration.engine = engine
                        let ours = try rig.runRuntime(tb, registers: registers)
                        try #require(
                            Self.digestLine(ours) == expected.last,
                            "TB \(shard)/\(i): ours (\(engine)) differs from the reference")
                    }
                    sampledOnOurs += 1
                }
                let wasm = Self.observableModule(for: tb).encoded()
                append32(UInt32(wasm.count))
                batch += wasm
                batch.append(UInt8(tb.helpers.count))
                for h in tb.helpers { batch.append(UInt8(Self.helperNames.firstIndex(of: h.name) ?? 255)) }
                append32(seed)
                for v in registers.values { withUnsafeBytes(of: v.littleEndian) { batch += $0 } }
            }
        }
        let batchURL = dir.appendingPathComponent("batch.bin")
        try Data(batch).write(to: batchURL)
        let c = rig.runtime.configuration
        let layout = [
            "\(rig.cpu.context)", "\(rig.cpu.env)", "\(rig.generatorConfiguration.envSize + 8 * 16)",
            "\(c.guestBase)", "\(c.guestRAMHostBase)", "\(c.guestRAMSize)",
        ]
        // node runs all TBs; wasmtime (if installed) every 20th, at the same time.
        let nodeScript = dir.appendingPathComponent("batch.js")
        try Data(Self.script.utf8).write(to: nodeScript)
        let nodeOut = dir.appendingPathComponent("node.txt")
        let nodeRun = try Self.launch(
            node,
            [
                "--experimental-wasm-memory64", nodeScript.path, batchURL.path, baseURL.path, nodeOut.path,
                "\(count)",
            ]
                + layout, in: dir, name: "node")
        let stride = 20
        let wasmtimeOut = dir.appendingPathComponent("wasmtime.txt")
        var wasmtimeRun: RunningTool?
        if WasmtimeHarness.isAvailable() {
            let script = dir.appendingPathComponent("batch.py")
            try Data(WasmtimeHarness.script.utf8).write(to: script)
            wasmtimeRun = try Self.launch(
                "/usr/bin/env",
                [
                    "python3", script.path, batchURL.path, baseURL.path, wasmtimeOut.path, "\(count)",
                    "\(stride)",
                ]
                    + layout, in: dir, name: "wasmtime")
        } else {
            print("skipped: wasmtime not installed")
        }

        try nodeRun.wait()
        let lines = String(decoding: try Data(contentsOf: nodeOut), as: UTF8.self).split(separator: "\n")
        try #require(lines.count == count)
        var mismatches = 0
        for i in 0..<count where lines[i] != expected[i] {
            mismatches += 1
            if mismatches <= 3 {
                Issue.record("TB \(i / perShard)/\(i % perShard): node \(lines[i]) reference \(expected[i])")
            }
        }
        if let wasmtimeRun {
            try wasmtimeRun.wait()
            let lines = String(decoding: try Data(contentsOf: wasmtimeOut), as: UTF8.self).split(
                separator: "\n")
            try #require(lines.count == count / stride)
            for (k, line) in lines.enumerated() {
                let i = k * stride
                let fields = line.split(separator: " ", maxSplits: 1)
                if fields.count != 2 || Int(fields[0]) != i || fields[1] != expected[i] {
                    mismatches += 1
                    if mismatches <= 6 {
                        Issue.record(
                            "TB \(i / perShard)/\(i % perShard): wasmtime \(line) reference \(expected[i])")
                    }
                }
            }
        }
        #expect(mismatches == 0)
        #expect(sampledOnOurs == count / 50)
    }
}

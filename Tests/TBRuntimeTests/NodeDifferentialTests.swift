import Foundation
import TBCodegen
import TBRuntime
import Testing

/// The third leg of the random-TB differential: the runtime's module (the
/// emitter's plus exported globals) under node (V8) from the same memory image
/// and registers, with the helpers written in JS. Registers, env, guest RAM and
/// the result must equal the runtime's Wasm-on-our-interpreter run (which the
/// other suites tie to the reference interpreter). One node process runs all TBs.
@Suite struct NodeDifferentialTests {
    static let script = #"""
        'use strict';
        const fs = require('fs');
        const [dir, countS, ctxS, guestBaseS, hostBaseS, ramSizeS] = process.argv.slice(2);
        const MASK = (1n << 64n) - 1n, PAGE_MASK = MASK ^ 4095n;
        const ctx = BigInt(ctxS), guestBase = BigInt(guestBaseS), hostBase = BigInt(hostBaseS), ramSize = BigInt(ramSizeS);
        const addend = (hostBase - guestBase) & MASK;
        const lines = [];
        for (let t = 0; t < Number(countS); t++) {
          const image = fs.readFileSync(`${dir}/mem${t}.bin`);
          const meta = JSON.parse(fs.readFileSync(`${dir}/meta${t}.json`, 'utf8'));
          const pages = image.length / 65536;
          const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true, index: 'i64' });
          new Uint8Array(memory.buffer).set(image);
          const dv = new DataView(memory.buffer);
          const at = (a, size) => { if (a + BigInt(size) > BigInt(image.length)) throw new Error('oob'); return Number(a); };
          function translate(addr, size) {
            const rel = (addr - guestBase) & MASK;
            if (!(addr >= guestBase && rel <= ramSize && ramSize - rel >= BigInt(size))) throw new Error('guest fault');
            const page = addr & PAGE_MASK, pageRel = (page - guestBase) & MASK;
            if (page >= guestBase && pageRel <= ramSize && ramSize - pageRel >= 4096n) {
              const tlb = dv.getBigUint64(Number(ctx) + 8, true);
              const e = Number((tlb + ((addr >> 12n) & 255n) * 32n) & MASK);
              dv.setBigUint64(e, page, true); dv.setBigUint64(e + 8, page, true); dv.setBigUint64(e + 16, addend, true);
            }
            return (addr + addend) & MASK;
          }
          function load(a, memop) {
            const size = 1 << Number(memop & 3n), signed = (memop & 4n) !== 0n, i = at(a, size);
            if (size === 1) return BigInt.asUintN(64, BigInt(signed ? dv.getInt8(i) : dv.getUint8(i)));
            if (size === 2) return BigInt.asUintN(64, BigInt(signed ? dv.getInt16(i, true) : dv.getUint16(i, true)));
            if (size === 4) return BigInt.asUintN(64, BigInt(signed ? dv.getInt32(i, true) : dv.getUint32(i, true)));
            return dv.getBigUint64(i, true);
          }
          function store(a, v, memop) {
            const size = 1 << Number(memop & 3n), i = at(a, size);
            if (size === 1) dv.setUint8(i, Number(v & 0xffn));
            else if (size === 2) dv.setUint16(i, Number(v & 0xffffn), true);
            else if (size === 4) dv.setUint32(i, Number(v & 0xffffffffn), true);
            else dv.setBigUint64(i, v, true);
          }
          const impl = {
            h_mix: (a, b) => ((a ^ ((b << 1n) & MASK)) + 0x1234567n) & MASK,
            h_sink: (a) => undefined,
            h_six: (a, b, c, d, e, f) => (a + 2n * b + 3n * c + 4n * d + 5n * e + 6n * f) & MASK,
            h_const: () => 0x5a5an,
            qemu_ld: (c, addr, memop) => load(translate(addr, 1 << Number(memop & 3n)), memop),
            qemu_st: (c, addr, v, memop) => { store(translate(addr, 1 << Number(memop & 3n)), v, memop); },
          };
          const helper = { u: () => 1 };
          meta.helpers.forEach((name, n) => {
            helper[String(n)] = (...args) => impl[name](...args.map((x) => BigInt.asUintN(64, x)));
          });
          const inst = new WebAssembly.Instance(new WebAssembly.Module(fs.readFileSync(`${dir}/tb${t}.wasm`)), { env: { memory }, helper });
          meta.registers.forEach((v, i) => { inst.exports[`g${i}`].value = BigInt(v); });
          dv.setUint32(Number(ctx) + 24, 1, true);
          let r = BigInt.asUintN(64, inst.exports.start(ctx));
          if (dv.getBigUint64(Number(ctx) + 16, true) !== 0n) r = 0x77n;
          const regs = [];
          for (let i = 0; i < 16; i++) regs.push(BigInt.asUintN(64, inst.exports[`g${i}`].value).toString());
          fs.writeFileSync(`${dir}/out${t}.bin`, new Uint8Array(memory.buffer));
          lines.push(JSON.stringify({ result: r.toString(), registers: regs }));
        }
        console.log(lines.join('\n'));
        """#

    @Test func wasmOnOurInterpreterAgreesWithNode() throws {
        let node = "/usr/bin/node"
        guard FileManager.default.isExecutableFile(atPath: node) else {
            print("skipped: node not installed")
            return
        }
        let count = 300
        let rig = try RandomTBRig(opCount: 20)
        rig.runtime.configuration.compileThreshold = 0
        var generator = RandomTBGenerator(seed: 0x40DE, configuration: rig.generatorConfiguration)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tbrt-node-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var expected: [RunOutcome] = []
        for i in 0..<count {
            let tb = generator.next()
            let registers = generator.initialRegisters()
            try rig.randomizeMemory(seed: 0xABC + UInt64(i))
            try Data(rig.snapshot()).write(to: dir.appendingPathComponent("mem\(i).bin"))
            let module = TBRuntime.runtimeModule(for: tb, addressing: .memory64)
            try Data(module.encoded()).write(to: dir.appendingPathComponent("tb\(i).wasm"))
            let meta: [String: Any] = [
                "helpers": tb.helpers.map(\.name), "registers": registers.values.map { String($0) },
            ]
            try JSONSerialization.data(withJSONObject: meta).write(to: dir.appendingPathComponent("meta\(i).json"))
            rig.runtime.install(tb)
            var outcome = try rig.runRuntime(tb, registers: registers)
            outcome.calls = []
            expected.append(outcome)
        }
        let script = dir.appendingPathComponent("batch.js")
        try Data(Self.script.utf8).write(to: script)
        let c = rig.runtime.configuration
        let process = Process()
        process.executableURL = URL(fileURLWithPath: node)
        process.arguments = [
            "--experimental-wasm-memory64", script.path, dir.path, "\(count)", "\(rig.cpu.context)", "\(c.guestBase)",
            "\(c.guestRAMHostBase)", "\(c.guestRAMSize)",
        ]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0)
        let lines = String(decoding: output, as: UTF8.self).split(separator: "\n")
        try #require(lines.count == count)
        let envRange = Int(rig.cpu.env)..<Int(rig.cpu.env) + rig.generatorConfiguration.envSize + 128
        let ramBase = Int(c.guestRAMHostBase)
        let ramRange = ramBase..<ramBase + Int(c.guestRAMSize)
        for i in 0..<count {
            let json = try #require(try JSONSerialization.jsonObject(with: Data(lines[i].utf8)) as? [String: Any])
            let registers = TBRegisters(((json["registers"] as? [String]) ?? []).compactMap { UInt64($0) })
            let memory = [UInt8](try Data(contentsOf: dir.appendingPathComponent("out\(i).bin")))
            let onNode = RunOutcome(
                result: UInt64(json["result"] as? String ?? "") ?? 0, registers: registers,
                env: Array(memory[envRange]), guestRAM: Array(memory[ramRange]), calls: [])
            try #require(onNode == expected[i], "TB \(i): node \(onNode) ours \(expected[i])")
        }
    }
}

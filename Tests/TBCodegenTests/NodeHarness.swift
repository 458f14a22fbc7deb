import Foundation
import TBCodegen
import TestSupport

/// Runs an emitted TB module under node (V8) on a memory image, with the
/// generator's helpers and the reference softmmu slow paths written in JS
/// (the same steps as `TBSoftMMU` and `RandomTBGenerator.evaluateHelper`).
enum NodeHarness {
    static let script = #"""
        'use strict';
        const fs = require('fs');
        const [wasmPath, memPath, outPath, ctxS, variant, guestBaseS, hostBaseS, ramSizeS, unwindAtS, helperList] =
            process.argv.slice(2);
        // unwindAt = k > 0: the k-th helper call pretends to switch fibers (helper.u then reports
        // unwinding); the harness re-enters start() without setting do_init, as a rewind does.
        const unwindAt = Number(unwindAtS);
        let callCount = 0, unwinding = false, rewinds = 0;
        const MASK = (1n << 64n) - 1n;
        const image = fs.readFileSync(memPath);
        const pages = image.length / 65536;
        const is64 = variant === '64';
        const desc = { initial: pages, maximum: pages, shared: true };
        if (is64) desc.index = 'i64';
        const memory = new WebAssembly.Memory(desc);
        new Uint8Array(memory.buffer).set(image);
        const dv = () => new DataView(memory.buffer);
        const guestBase = BigInt(guestBaseS), hostBase = BigInt(hostBaseS), ramSize = BigInt(ramSizeS);
        const addend = (hostBase - guestBase) & MASK;
        const PAGE = 4096n, PAGE_MASK = MASK ^ (PAGE - 1n);
        const calls = [];
        function index(a, off, size) {
            const x = (is64 ? a : (a & 0xffffffffn)) + off;
            if (x + BigInt(size) > BigInt(memory.buffer.byteLength)) throw new Error('out of bounds');
            return Number(x);
        }
        function load(a, memop) {
            const size = 1 << Number(memop & 3n), signed = (memop & 4n) !== 0n, i = index(a, 0n, size), d = dv();
            let v;
            if (size === 1) v = BigInt(signed ? d.getInt8(i) : d.getUint8(i));
            else if (size === 2) v = BigInt(signed ? d.getInt16(i, true) : d.getUint16(i, true));
            else if (size === 4) v = BigInt(signed ? d.getInt32(i, true) : d.getUint32(i, true));
            else v = d.getBigUint64(i, true);
            return v & MASK;
        }
        function store(a, v, memop) {
            const size = 1 << Number(memop & 3n), i = index(a, 0n, size), d = dv();
            if (size === 1) d.setUint8(i, Number(v & 0xffn));
            else if (size === 2) d.setUint16(i, Number(v & 0xffffn), true);
            else if (size === 4) d.setUint32(i, Number(v & 0xffffffffn), true);
            else d.setBigUint64(i, v & MASK, true);
        }
        function translate(ctx, addr, size) {
            const rel = (addr - guestBase) & MASK;
            if (!(addr >= guestBase && rel <= ramSize && ramSize - rel >= BigInt(size))) throw new Error('guest fault');
            const page = addr & PAGE_MASK, pageRel = (page - guestBase) & MASK;
            if (page >= guestBase && pageRel <= ramSize && ramSize - pageRel >= PAGE) {
                const tlb = dv().getBigUint64(index(ctx, 8n, 8), true);
                const entry = (tlb + ((addr >> 12n) & 255n) * 32n) & MASK;
                dv().setBigUint64(index(entry, 0n, 8), page, true);
                dv().setBigUint64(index(entry, 8n, 8), page, true);
                dv().setBigUint64(index(entry, 16n, 8), addend, true);
            }
            return (addr + addend) & MASK;
        }
        const impl = {
            h_mix: (a, b) => ((a ^ ((b << 1n) & MASK)) + 0x1234567n) & MASK,
            h_sink: (a) => undefined,
            h_six: (a, b, c, d, e, f) => (a + 2n * b + 3n * c + 4n * d + 5n * e + 6n * f) & MASK,
            h_const: () => 0x5a5an,
            qemu_ld: (ctx, addr, memop) => load(translate(ctx, addr, 1 << Number(memop & 3n)), memop),
            qemu_st: (ctx, addr, v, memop) => { store(translate(ctx, addr, 1 << Number(memop & 3n)), v, memop); },
        };
        const helper = { u: () => (unwinding ? 0 : 1) };
        (helperList ? helperList.split(',') : []).forEach((name, n) => {
            helper[String(n)] = (...args) => {
                callCount += 1;
                if (callCount === unwindAt) { unwinding = true; return 0n; }  // ignored for void helpers
                calls.push([name, args.map((x) => (BigInt.asUintN(64, x)).toString())]);
                return impl[name](...args.map((x) => BigInt.asUintN(64, x)));
            };
        });
        let out = { calls };
        try {
            const mod = new WebAssembly.Module(fs.readFileSync(wasmPath));
            const inst = new WebAssembly.Instance(mod, { env: { memory }, helper });
            let r = inst.exports.start(BigInt(ctxS));
            while (unwinding) {
                if (r !== 0n) throw new Error('an unwinding TB returned ' + r);
                unwinding = false;
                rewinds += 1;
                r = inst.exports.start(BigInt(ctxS));  // do_init stays 0: resume at BLOCK_IDX
            }
            out.result = BigInt.asUintN(64, r).toString();
            out.rewinds = rewinds;
        } catch (e) {
            out.error = String(e);
        }
        fs.writeFileSync(outPath, new Uint8Array(memory.buffer));
        console.log(JSON.stringify(out));
        """#

    struct Outcome: Equatable {
        var result: UInt64?
        var error: String?
        var calls: [[String]]
        var memory: [UInt8]
        var rewinds = 0
    }

    /// The node flags for memory64 + shared memory on node 20.
    static let nodeFlags = ["--experimental-wasm-memory64"]

    static func run(
        node: String, wasm: [UInt8], image: [UInt8], tb: TranslationBlock, memory64: Bool, in dir: URL,
        unwindAtCall: Int = 0
    ) throws -> Outcome {
        let js = dir.appendingPathComponent("harness.js")
        if !FileManager.default.fileExists(atPath: js.path) {
            try script.write(to: js, atomically: true, encoding: .utf8)
        }
        let wasmURL = dir.appendingPathComponent("tb.wasm")
        let memURL = dir.appendingPathComponent("mem.bin")
        let outURL = dir.appendingPathComponent("out.bin")
        try Data(wasm).write(to: wasmURL)
        try Data(image).write(to: memURL)
        let args =
            nodeFlags + [
                js.path, wasmURL.path, memURL.path, outURL.path, "\(TestMemory.ctx)", memory64 ? "64" : "32",
                "\(TestMemory.ramGuest)", "\(TestMemory.ramHost)", "\(TestMemory.ramSize)", "\(unwindAtCall)",
                tb.helpers.map(\.name).joined(separator: ","),
            ]
        let out = try ExternalTool.run(node, args)
        guard out.status == 0,
            let json = try JSONSerialization.jsonObject(with: Data(out.stdout)) as? [String: Any]
        else {
            throw HarnessFailure(message: "node failed (\(out.status)): \(out.text)")
        }
        let calls = (json["calls"] as? [[Any]] ?? []).map { c in
            [c[0] as? String ?? "?"] + ((c[1] as? [String]) ?? [])
        }
        return Outcome(
            result: (json["result"] as? String).flatMap { UInt64($0) }, error: json["error"] as? String,
            calls: calls, memory: Array(try Data(contentsOf: outURL)), rewinds: json["rewinds"] as? Int ?? 0)
    }

    struct HarnessFailure: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }
}

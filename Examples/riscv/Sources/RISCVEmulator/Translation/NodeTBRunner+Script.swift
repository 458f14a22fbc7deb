extension NodeTBRunner {
    /// The replay script. It mirrors, in JS, what the Swift side does around
    /// the same modules:
    ///
    /// * the runtime's cpu loop (`TBRuntime.execute`): run the TB for `pc`, then
    ///   the one the context's `next_tb` names, until it is 0;
    /// * `call_wasm_tb`: `do_init = 1`, `start(ctx)`. The runtime also copies
    ///   the register file into the instance's 16 register globals and back;
    ///   the emitted module does not export them, and RISC-V TBs do not need
    ///   the copy (guest state lives in env, and every TB writes a temporary
    ///   before it reads it), so the replay skips it;
    /// * the TB cache: one module compiled and instantiated on the first run of
    ///   its pc (inside the timed region, like the Swift runtime's threshold 0);
    /// * `TranslatingMachine`'s hart loop (the loop deadline is the instruction
    ///   limit) and helpers: `riscv_ecall` (Linux `write`,
    ///   `exit`, `exit_group`, `sched_yield`, `-ENOSYS` otherwise; the console
    ///   write is done in place, there are no fibers), and the `qemu_ld`/`qemu_st`
    ///   slow paths with the same TLB refill (code pages never writable).
    ///
    /// `helper.u` always returns 1: nothing unwinds here.
    static let script = #"""
        'use strict';
        const fs = require('fs');
        const path = require('path');
        const dir = process.argv[2];
        const limit = BigInt(process.argv[3]);
        const m = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
        const MASK = (1n << 64n) - 1n;
        const ctx = m.context, env = m.env, tlb = m.tlb, ctxBig = BigInt(ctx);
        const NEXT_TB = ctx + 16, DO_INIT = ctx + 24, PC = env + 256, INSTRET = env + 264, DEADLINE = env + 272;
        const guestBase = BigInt(m.guestBase), ramSize = BigInt(m.guestRAMSize);
        const addend = (BigInt(m.guestRAMHostBase) - guestBase) & MASK;
        const codeStart = BigInt(m.codeStart), codeEnd = BigInt(m.codeEnd);
        const sources = new Map();
        for (const t of m.modules) {
          sources.set(t.pc, { bytes: fs.readFileSync(path.join(dir, t.file)), helpers: t.helpers });
        }
        const memory = new WebAssembly.Memory({ initial: m.pages, maximum: m.pages, shared: true, index: 'i64' });
        const u8 = new Uint8Array(memory.buffer);
        u8.set(fs.readFileSync(path.join(dir, 'memory.bin')));
        const dv = new DataView(memory.buffer);
        dv.setBigUint64(DEADLINE, limit, true);  // self-loops stay in their TB up to the limit, as in run()
        // Aligned views for the per-TB traffic (the context record is 8-byte aligned).
        const q = new BigUint64Array(memory.buffer), w = new Uint32Array(memory.buffer);
        const NEXT = NEXT_TB / 8, INIT = DO_INIT / 4;

        class GuestError extends Error {}
        const hex = (v) => '0x' + v.toString(16);
        const reg = (i) => dv.getBigUint64(env + 8 * i, true);
        const setReg = (i, v) => { if (i !== 0) dv.setBigUint64(env + 8 * i, v & MASK, true); };
        const instret = () => dv.getBigUint64(INSTRET, true);
        function contains(a, n) {
          const off = (a - guestBase) & MASK;
          return off < ramSize && ramSize - off >= BigInt(n);
        }

        // The Linux process (LinuxProcess.swift).
        let running = true, lastExit = 0, groupExit = null;
        const out = [], err = [];
        function write(fd, a, count) {
          if (fd !== 1n && fd !== 2n) return -9n;
          if (count === 0n) return 0n;
          if (count > 0x7fffffffn || !contains(a, count)) return -14n;
          const at = Number((a + addend) & MASK);
          (fd === 1n ? out : err).push(Buffer.from(u8.slice(at, at + Number(count))));
          return count;
        }
        function systemCall(number, a0, a1, a2) {
          switch (number) {
            case 64n: return write(a0, a1, a2);
            case 93n: running = false; lastExit = Number(a0 & 0xffn); return 0n;
            case 94n: running = false; groupExit = Number(a0 & 0xffn); return 0n;
            case 124n: return 0n;
            default: return -38n;
          }
        }

        // The helpers (TranslatingMachine+Helpers.swift).
        function fillTLB(a) {
          const page = a & (MASK ^ 4095n);
          if (!contains(page, 4096)) return;
          const e = tlb + Number(((a >> 12n) & 255n) * 32n);
          const holdsCode = page < codeEnd && page + 4096n > codeStart;
          dv.setBigUint64(e, page, true);
          dv.setBigUint64(e + 8, holdsCode ? MASK : page, true);
          dv.setBigUint64(e + 16, addend, true);
        }
        function outside(kind, a, n) {
          return new GuestError(`hart 0 at pc ${hex(dv.getBigUint64(PC, true))}: ${kind} of ${n} bytes at ${hex(a)} is outside guest memory`);
        }
        const helpers = {
          riscv_ecall: () => {
            if (instret() > limit) throw new GuestError(`the program did not exit within ${limit} instructions`);
            setReg(10, systemCall(reg(17), reg(10), reg(11), reg(12)));
            return running ? 0n : 1n;
          },
          qemu_ld: (c, a, memop) => {
            const op = Number(memop), n = 1 << (op & 3);
            if (!contains(a, n)) throw outside('load', a, n);
            fillTLB(a);
            const at = Number((a + addend) & MASK);
            switch (op) {
              case 0: return BigInt(dv.getUint8(at));
              case 4: return BigInt(dv.getInt8(at)) & MASK;
              case 1: return BigInt(dv.getUint16(at, true));
              case 5: return BigInt(dv.getInt16(at, true)) & MASK;
              case 2: return BigInt(dv.getUint32(at, true));
              case 6: return BigInt(dv.getInt32(at, true)) & MASK;
              case 3: return dv.getBigUint64(at, true);
              default: throw new GuestError(`bad memop ${op}`);
            }
          },
          qemu_st: (c, a, v, memop) => {
            const op = Number(memop), n = 1 << (op & 3);
            if (!contains(a, n)) throw outside('store', a, n);
            fillTLB(a);
            const at = Number((a + addend) & MASK);
            switch (n) {
              case 1: dv.setUint8(at, Number(v & 0xffn)); break;
              case 2: dv.setUint16(at, Number(v & 0xffffn), true); break;
              case 4: dv.setUint32(at, Number(v & 0xffffffffn), true); break;
              default: dv.setBigUint64(at, v, true);
            }
            if (a < codeEnd && a + BigInt(n) > codeStart) {
              throw new GuestError(`store to code at ${hex(a)}: the replay cannot retranslate`);
            }
          },
        };

        // The TB cache and call_wasm_tb (TBRuntime+Wasm.swift).
        const cache = new Map();
        let compiled = 0, tbRuns = 0, compileNanoseconds = 0n;
        function instantiate(pc) {
          const t = process.hrtime.bigint();
          const source = sources.get(pc);
          if (source === undefined) throw new GuestError(`no captured TB for pc ${hex(pc)}`);
          const helper = { u: () => 1 };
          source.helpers.forEach((name, i) => {
            if (!(name in helpers)) throw new GuestError(`no helper ${name}`);
            helper[i] = helpers[name];
          });
          const module = new WebAssembly.Module(source.bytes);
          const entry = new WebAssembly.Instance(module, { env: { memory }, helper }).exports.start;
          cache.set(pc, entry);
          compiled++;
          compileNanoseconds += process.hrtime.bigint() - t;
          return entry;
        }
        function runTB(pc) {
          const start = cache.get(pc) ?? instantiate(pc);
          w[INIT] = 1;
          const result = start(ctxBig);
          tbRuns++;
          return result;
        }
        // The runtime's maximumTBsPerExecution (TranslatingMachine sets it to the
        // instruction limit): a loop over several blocks cannot hang the replay.
        const maximumTBs = limit < BigInt(Number.MAX_SAFE_INTEGER) ? Number(limit) : Number.MAX_SAFE_INTEGER;
        function execute(pc) {
          let count = 0;
          while (true) {
            const result = runTB(pc);
            const next = q[NEXT];
            if (next === 0n) return result;
            if (++count >= maximumTBs) throw new GuestError(`${maximumTBs} chained TBs without an exit (the instruction limit)`);
            pc = Number(next);
          }
        }

        try {
          const t0 = process.hrtime.bigint();
          let pc = m.entry;
          while (running) {
            const exit = execute(pc);
            pc = Number(dv.getBigUint64(PC, true));
            if (exit === 2n) throw new GuestError(`hart 0 at pc ${hex(pc)}: ebreak`);
            // fence.i (3): the capture saw no code change, so the captured TBs stay valid.
            if (exit !== 1n && exit !== 3n && exit !== 4n) throw new GuestError(`exit_tb ${exit} (a jump to guest address 0)`);
            if (instret() > limit) throw new GuestError(`the program did not exit within ${limit} instructions`);
          }
          const t1 = process.hrtime.bigint();
          process.stdout.write(JSON.stringify({
            stdout: Buffer.concat(out).toString('base64'), stderr: Buffer.concat(err).toString('base64'),
            exitCode: groupExit ?? lastExit, instructions: String(instret()), nanoseconds: Number(t1 - t0),
            tbRuns, compiled, compileNanoseconds: Number(compileNanoseconds),
          }) + '\n');
        } catch (e) {
          process.stderr.write((e instanceof GuestError ? e.message : String(e && e.stack || e)) + '\n');
          process.exit(1);
        }
        """#
}

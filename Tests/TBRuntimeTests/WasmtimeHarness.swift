import Foundation
import TestSupport

/// The wasmtime (Python) leg of `NodeDifferentialTests`: reads the same batch
/// file and runs every `stride`-th TB on wasmtime (Cranelift), printing
/// `index` and the same digest fields as the node script.
enum WasmtimeHarness {
    /// Whether `python3` with the `wasmtime` package can be run.
    static func isAvailable() -> Bool {
        guard let python = ExternalTool.find("python3") else { return false }
        return (try? ExternalTool.run(python, ["-c", "import wasmtime"]))?.status == 0
    }

    static let script = #"""
        import sys, struct, ctypes, wasmtime
        from wasmtime import _ffi as ffi
        # wasmtime-py wraps the shared memory's pointer in one pointer too many when it
        # is passed as an import; hand the C API the pointer itself.
        def _shared_as_extern(self):
            union = ffi.wasmtime_extern_union(sharedmemory=self.ptr())
            return ffi.wasmtime_extern_t(ffi.WASMTIME_EXTERN_SHAREDMEMORY, union)
        wasmtime.SharedMemory._as_extern = _shared_as_extern
        from wasmtime import Config, Engine, Store, Module, Instance, Func, FuncType, ValType, Val, SharedMemory, MemoryType, Limits

        batch_path, base_path, out_path, count_s, stride_s, ctx_s, env_s, env_bytes_s, guest_base_s, host_base_s, ram_size_s = sys.argv[1:]
        count, stride, ctx = int(count_s), int(stride_s), int(ctx_s)
        env_at, env_bytes, guest_base, host_base, ram_size = int(env_s), int(env_bytes_s), int(guest_base_s), int(host_base_s), int(ram_size_s)
        M64 = (1 << 64) - 1
        addend = (host_base - guest_base) & M64
        base = open(base_path, 'rb').read()
        batch = open(batch_path, 'rb').read()
        cfg = Config(); cfg.wasm_memory64 = True; cfg.wasm_threads = True; cfg.shared_memory = True
        engine = Engine(cfg)
        pages = len(base) // 65536
        memory = SharedMemory(engine, MemoryType(Limits(pages, pages), is_64=True, shared=True))
        size = len(base)
        buf = (ctypes.c_ubyte * size).from_address(ctypes.addressof(memory.data_ptr().contents))
        mv = memoryview(buf).cast('B')

        def u(x): return x & M64
        def s64(x): x &= M64; return x - (1 << 64) if x >> 63 else x
        def at(a, n):
            if a + n > size: raise Exception('oob')
            return a
        def translate(addr, n):
            rel = (addr - guest_base) & M64
            if not (addr >= guest_base and rel <= ram_size and ram_size - rel >= n): raise Exception('guest fault')
            page = addr & (M64 ^ 4095); prel = (page - guest_base) & M64
            if page >= guest_base and prel <= ram_size and ram_size - prel >= 4096:
                tlb = struct.unpack_from('<Q', mv, ctx + 8)[0]
                e = (tlb + ((addr >> 12) & 255) * 32) & M64
                struct.pack_into('<QQQ', mv, e, page, page, addend)
            return (addr + addend) & M64
        FMT = {1: 'B', 2: 'H', 4: 'I', 8: 'Q'}
        SFMT = {1: 'b', 2: 'h', 4: 'i', 8: 'q'}
        def load(a, memop):
            n = 1 << (memop & 3); i = at(a, n)
            v = struct.unpack_from('<' + (SFMT if memop & 4 else FMT)[n], mv, i)[0]
            return u(v)
        def store(a, v, memop):
            n = 1 << (memop & 3); i = at(a, n)
            struct.pack_into('<' + FMT[n], mv, i, v & ((1 << (8 * n)) - 1))
        impl = [
            lambda a, b: ((a ^ ((b << 1) & M64)) + 0x1234567) & M64,
            lambda a: None,
            lambda a, b, c, d, e, f: (a + 2 * b + 3 * c + 4 * d + 5 * e + 6 * f) & M64,
            lambda: 0x5a5a,
            lambda c, addr, memop: load(translate(addr, 1 << (memop & 3)), memop),
            lambda c, addr, v, memop: store(translate(addr, 1 << (memop & 3)), v, memop),
        ]
        ARGC = [2, 1, 6, 0, 3, 4]
        HASRES = [True, False, True, True, True, False]
        def mix(h, w): return ((h ^ w) * 0x01000193) & 0xffffffff
        def hash_words(off, n):
            h = 0x811c9dc5
            for w in memoryview(buf).cast('B')[off:off + n].cast('I'):
                h = ((h ^ w) * 0x01000193) & 0xffffffff
            return h
        lines = []
        p = 0
        for t in range(count):
            (wasm_len,) = struct.unpack_from('<I', batch, p); p += 4
            wasm = batch[p:p + wasm_len]; p += wasm_len
            hc = batch[p]; p += 1
            codes = list(batch[p:p + hc]); p += hc
            (seed,) = struct.unpack_from('<I', batch, p); p += 4
            regs = struct.unpack_from('<16Q', batch, p); p += 128
            if t % stride != 0: continue
            mv[0:size] = base
            a = seed
            words = []
            for _ in range((env_bytes + ram_size) // 4):
                a = (a + 0x6D2B79F5) & 0xffffffff
                x = ((a ^ (a >> 15)) * (a | 1)) & 0xffffffff
                x = ((x + (((x ^ (x >> 7)) * (x | 61)) & 0xffffffff)) & 0xffffffff) ^ x
                words.append(x ^ (x >> 14))
            struct.pack_into('<%dI' % (env_bytes // 4), mv, env_at, *words[:env_bytes // 4])
            struct.pack_into('<%dI' % (ram_size // 4), mv, host_base, *words[env_bytes // 4:])
            state = {'h': 0x811c9dc5, 'n': 0}
            store_ = Store(engine)
            imports = []
            def make(code):
                def f(*raw):
                    args = [u(x) for x in raw]
                    state['n'] += 1
                    h = mix(state['h'], code); h = mix(h, len(args))
                    for x in args: h = mix(mix(h, x & 0xffffffff), x >> 32)
                    state['h'] = h
                    r = impl[code](*args)
                    return s64(r) if HASRES[code] else None
                return f
            try:
                module = Module(engine, wasm)
                externs = []
                for imp in module.imports:
                    if imp.module == 'env': externs.append(memory)
                    elif imp.name == 'u': externs.append(Func(store_, FuncType([], [ValType.i32()]), lambda: 1))
                    else:
                        code = codes[int(imp.name)]
                        externs.append(Func(store_, FuncType([ValType.i64()] * ARGC[code], [ValType.i64()] if HASRES[code] else []), make(code)))
                inst = Instance(store_, module, externs)
                ex = inst.exports(store_)
                for i in range(16): ex['g%d' % i].set_value(store_, Val.i64(s64(regs[i])))
                struct.pack_into('<I', mv, ctx + 24, 1)
                r = u(ex['start'](store_, ctx))
                if struct.unpack_from('<Q', mv, ctx + 16)[0] != 0: r = 0x77
                out = ['%x' % r] + ['%x' % u(ex['g%d' % i].value(store_)) for i in range(16)]
                out += ['%x' % hash_words(env_at, env_bytes), '%x' % hash_words(host_base, ram_size), '%x' % state['h'], str(state['n'])]
                lines.append('%d ' % t + ' '.join(out))
            except Exception as e:
                lines.append('%d error %s' % (t, ' '.join(str(e).split())))
        open(out_path, 'w').write('\n'.join(lines) + '\n')
        """#
}

// The TB emitter: one Wasm module per translation block, in the shape QEMU's
// Wasm TCG backend gives it (with the coroutine-switch change), so that a
// helper called from a TB may unwind and later rewind the TB.
//
// Module layout (sections in order: type, import, function, global, export,
// code; no table, data or start section):
//
//   types    0: (i64 ctx) -> i64        the TB function
//            1: () -> i32               helper.u, the unwinding check
//            2+N: (i64 x argc) -> (i64?) one per helper N, in helper order
//   imports  env.memory   wasm64: shared i64 memory, limits flags 0x07, min 0, max 262144
//                         wasm32 variant: shared i32 memory, flags 0x03, min 0, max 65536
//            helper.u     function 0: returns 1 unless the host is unwinding
//            helper.N     function 1+N: the TB's N-th helper (TranslationBlock.helpers,
//                         first-use order; the guest-memory slow paths are qemu_ld/qemu_st)
//   function 1+H: the TB function (H = number of helpers), exported as "start"
//   globals  0...15: mutable i64, registers r0...r15 (initial 0)
//            16:     mutable i64, BLOCK_IDX
//   locals   0 ctx (param), 1 env, 2 tlb, 3 addr, 4 entry (all i64)
//
// Body:
//
//   prologue: env = ctx->env; tlb = ctx->tlb;
//             if (ctx->do_init != 0) { BLOCK_IDX = 0; ctx->do_init = 0 }
//   loop
//     if (BLOCK_IDX == 0) { block 0 }
//     if (BLOCK_IDX <= 1) { block 1 }        (unsigned)
//     ...
//   end
//   ctx->next_tb = 0; return 0               (falling off the end = exit_tb 0)
//
// Entering with BLOCK_IDX = k runs block k and everything after it. A new
// block starts at every label, and before every helper call (including a
// guest access's slow path): the old block ends with BLOCK_IDX = n + 1, so
// the call is the first thing in block n + 1 and a rewind re-enters right at
// the call. After every helper call: `if (helper.u() == 0) return 0`, with
// the helper's result still on the operand stack; it is stored into its
// register only after the check, so the dummy result of an unwinding helper
// never clobbers a register that the rewound call reads again.
//
// Branches store the target block in BLOCK_IDX, then `br` to the loop
// (backward: target <= current block) or out of the current block's `if`
// (forward: the blocks in between test false and are skipped).
//
// A guest access at address a (= reg + offset) in block n:
//   block n:   addr = a; entry = tlb + ((addr >> 7) & (255 * 32))     (= ((addr >> 12) & 255) * 32)
//              if ((addr & (pageMask | size-1)) == entry->addr_read/addr_write)
//                  { access at addr + entry->addend; BLOCK_IDX = n + 2 }   (hit: skip n+1)
//              else BLOCK_IDX = n + 1
//   block n+1: qemu_ld(ctx, reg + offset, memop) / qemu_st(ctx, reg + offset, value, memop);
//              unwinding check         (operands re-read from the registers: survive a rewind)
//   block n+2: the code after the access.
//
// Leaving: exit_tb v stores 0 into ctx->next_tb and returns v. goto_tb t /
// goto_ptr r: to this TB's own pc sets BLOCK_IDX = 0 and re-enters the loop;
// to another pc stores it into ctx->next_tb and returns 0.
//
// State layouts (TBEmitter.StateLayout). Everything above describes the
// `globals` layout, QEMU's: every op reads and writes the register globals and
// BLOCK_IDX. The `locals` layout (the default) has the same module shape,
// block numbering and resumption protocol, but the function keeps the
// registers it mentions and the block index in locals (5 = block index,
// 6... = registers, by first mention):
//
//   prologue: env = ...; tlb = ...;
//             if (ctx->do_init != 0) { bidx = 0; ctx->do_init = 0 } else bidx = BLOCK_IDX
//             r_k = global k, for each register the TB mentions
//   block $unwound
//     block $exit (result i64)
//       loop ... (the blocks, testing bidx) end
//       ctx->next_tb = 0; 0
//     end                                 exits: next_tb stored, `br $exit` with the result
//     global k = r_k ...; return          (the registers, for the host to read)
//   end                                   unwinding check: `br_if $unwound` on helper.u() == 0
//   global k = r_k ...; BLOCK_IDX = bidx; return 0
//
// So the globals hold the TB's state whenever the host can look - before an
// entry, after the TB returns and at a suspension, where bidx already names
// the block that begins with the interrupted call - and the runtime's
// per-fiber save/restore of the globals works unchanged. The ops themselves
// touch no global, which lets engines keep the registers in machine registers.
// A helper that runs the same TB again (in the same instance) overwrites only
// the globals, not the locals of the run that called it.
//
// Addresses are i64 in both variants; the wasm32 variant wraps every address
// with i32.wrap_i64 just before the access. Context and TLB layout: see
// TBContextLayout.swift.

import WasmBinary

/// Emits the Wasm module of a translation block (layout in the header comment
/// of `TBEmitter.swift`).
public enum TBEmitter {
    /// The address width of the imported memory.
    public enum Addressing: Sendable, Hashable {
        /// A shared 64-bit memory (memory64), limits flags 0x07.
        case memory64
        /// A shared 32-bit memory, limits flags 0x03; every address is wrapped with `i32.wrap_i64`.
        case memory32
    }

    /// Where the TB function keeps the registers and the block index while it runs.
    ///
    /// Both layouts have the same module shape and the same resumption protocol:
    /// the 16 register globals and `BLOCK_IDX` hold the TB's state whenever the
    /// host can see it - at entry, after the TB returns, and at a suspension
    /// (an unwinding helper call) - and a rewind re-enters with `do_init` 0 at
    /// the block `BLOCK_IDX` names.
    public enum StateLayout: Sendable, Hashable, CaseIterable {
        /// Registers and `BLOCK_IDX` are read and written in the globals by
        /// every op, as QEMU's Wasm TCG backend does.
        case globals
        /// The registers the TB mentions and the block index live in locals:
        /// read from the globals in the prologue, written back in one epilogue
        /// that every exit and every unwind leaves through. Engines keep locals
        /// in registers where they can, so the ops themselves touch no globals.
        case locals
    }

    /// The layout ``module(for:addressing:layout:)`` uses unless told otherwise.
    public static let defaultLayout = StateLayout.locals

    /// The name of the exported TB function.
    public static let exportName = "start"
    /// The global index of `BLOCK_IDX`.
    public static let blockIndexGlobal: UInt32 = 16
    /// The import module of the helpers.
    public static let helperModule = "helper"
    /// The import name of the unwinding check.
    public static let unwindCheckName = "u"

    /// Globals 0...16, built once: every TB module has the same ones, and
    /// sharing the array spares each emitted module 17 small allocations.
    private static let globals = [Global](
        repeating: Global(
            type: GlobalType(valueType: .i64, isMutable: true), initializer: [.i64Const(0), .end]),
        count: 17)

    /// The module for a TB.
    public static func module(
        for tb: TranslationBlock, addressing: Addressing = .memory64, layout: StateLayout = defaultLayout
    ) -> Module {
        var m = Module()
        m.types.append(FunctionType(parameters: [.i64], results: [.i64]))
        m.types.append(FunctionType(parameters: [], results: [.i32]))
        for h in tb.helpers {
            m.types.append(
                FunctionType(
                    parameters: Array(repeating: .i64, count: h.argumentCount),
                    results: h.hasResult ? [.i64] : []))
        }
        let memory: Limits =
            addressing == .memory64
            ? Limits(min: 0, max: 262_144, isShared: true, is64: true)
            : Limits(min: 0, max: 65_536, isShared: true, is64: false)
        m.imports.append(Import(module: "env", name: "memory", descriptor: .memory(memory)))
        m.imports.append(
            Import(module: helperModule, name: unwindCheckName, descriptor: .function(typeIndex: 1)))
        for i in tb.helpers.indices {
            m.imports.append(
                Import(module: helperModule, name: "\(i)", descriptor: .function(typeIndex: UInt32(2 + i))))
        }
        m.functions = [0]
        m.globals = globals
        m.exports = [Export(name: exportName, descriptor: .function(UInt32(1 + tb.helpers.count)))]
        var body = TBFunctionEmitter(tb: tb, wraps: addressing == .memory32, layout: layout)
        m.codes = [body.emitFunction()]
        return m
    }

    /// The encoded module for a TB.
    public static func binary(
        for tb: TranslationBlock, addressing: Addressing = .memory64, layout: StateLayout = defaultLayout
    ) -> [UInt8] {
        module(for: tb, addressing: addressing, layout: layout).encoded()
    }
}

// Env load forwarding (locals layout): within one block, a `ld64` of an env
// word that a register is known to hold - loaded from it, or stored to it,
// since the block began and not written since - becomes a register copy (or
// nothing). Frontends that keep guest registers in env (QEMU's, the RISC-V
// example's) load the same guest register again and again; this keeps those
// reloads in locals. Stores still go to env, so env is exact at every helper
// call and exit.
//
// What ends the knowledge: the start of a block (a block is entered from a
// branch, after a helper call that may write env, or by a rewind); a store to
// an overlapping env range; a guest store (its host address could be env's);
// a fence; and a write to the holding register. Only u64 accesses at offsets
// 0..<2^20 are tracked, so two tracked words overlap exactly when their
// offsets are less than 8 apart (no wrap-around, also in the wasm32 variant);
// a store elsewhere drops everything.

extension TBFunctionEmitter {
    static let forwardedOffsets: Range<Int32> = 0..<(1 << 20)

    /// Emits `d = env[off]` as a register copy when a register holds that word; false otherwise.
    mutating func forwardEnvLoad(_ acc: TBMemAccess, _ d: TBReg, _ off: Int32) -> Bool {
        guard acc == .u64, let held = envHolders.first(where: { $0.offset == off }) else { return false }
        if held.register != d {
            reg(held.register)
            set(d)
            forget(register: d)
        }
        return true
    }

    /// Updates ``envHolders`` for an op about to be emitted normally.
    mutating func trackEnv(_ op: TBOp) {
        switch op {
        case .loadEnv(let acc, let d, let off):
            forget(register: d)
            if acc == .u64 && Self.forwardedOffsets.contains(off) { envHolders.append((off, d)) }
        case .storeEnv(let acc, let s, let off):
            guard Self.forwardedOffsets.contains(off) else {
                envHolders.removeAll(keepingCapacity: true)
                return
            }
            let end = Int64(off) + Int64(acc.byteCount)
            envHolders.removeAll { Int64($0.offset) + 8 > Int64(off) && Int64($0.offset) < end }
            if acc == .u64 { envHolders.append((off, s)) }
        case .guestStore, .mb:
            envHolders.removeAll(keepingCapacity: true)
        default:
            if let d = Self.writtenRegister(op) { forget(register: d) }
        }
    }

    mutating func forget(register r: TBReg) {
        // (Most ops write a register while nothing is known: skip the array's mutation then.)
        guard envHolders.contains(where: { $0.register == r }) else { return }
        envHolders.removeAll { $0.register == r }
    }

    /// The register an op other than `ld`/`st` writes, if any.
    static func writtenRegister(_ op: TBOp) -> TBReg? {
        switch op {
        case .mov(let d, _), .movi(let d, _), .binary(_, _, let d, _, _), .unary(_, _, let d, _),
            .extend(_, let d, _), .extract(_, let d, _, _, _), .setcond(_, _, let d, _, _),
            .negsetcond(_, _, let d, _, _), .movcond(_, _, let d, _, _, _, _), .guestLoad(_, let d, _, _),
            .loadEnv(_, let d, _):
            d
        case .call(_, _, let result): result
        case .storeEnv, .guestStore, .setLabel, .br, .brcond, .gotoTB, .gotoPtr, .exitTB, .mb: nil
        }
    }
}

// The text form of a TB: one op per line.
//
// The grammar (EBNF) is in the DocC comment of `TranslationBlock.init(parsing:)`
// in TBParser.swift.

extension TranslationBlock {
    /// The TB in its text form (grammar: ``TranslationBlock/init(parsing:)``).
    ///
    /// Labels print as `L<id>`; `TranslationBlock(parsing: tb.text) == tb`.
    public var text: String {
        var out = ""
        if pc != 0 { out += ".pc 0x\(String(pc, radix: 16))\n" }
        for op in ops { out += line(for: op) + "\n" }
        return out
    }

    private func hex(_ v: UInt64) -> String { v < 10 ? "\(v)" : "0x\(String(v, radix: 16))" }
    private func suffix(_ w: TBWidth) -> String { w == .w32 ? "_i32" : "" }
    private func envRef(_ off: Int32) -> String {
        off == 0 ? "env" : off > 0 ? "env+\(off)" : "env-\(-Int64(off))"
    }
    private func guestRef(_ r: TBReg, _ off: Int32) -> String {
        off == 0 ? "[\(r)]" : off > 0 ? "[\(r)+\(off)]" : "[\(r)-\(-Int64(off))]"
    }

    private func line(for op: TBOp) -> String {
        switch op {
        case .mov(let d, let s): return "mov \(d), \(s)"
        case .movi(let d, let v): return "movi \(d), \(hex(v))"
        case .binary(let o, let w, let d, let a, let b): return "\(o)\(suffix(w)) \(d), \(a), \(b)"
        case .unary(let o, let w, let d, let s): return "\(o)\(suffix(w)) \(d), \(s)"
        case .extend(let o, let d, let s): return "\(o) \(d), \(s)"
        case .extract(let signed, let d, let s, let pos, let len):
            return "\(signed ? "sextract" : "extract") \(d), \(s), \(pos), \(len)"
        case .setcond(let c, let w, let d, let a, let b): return "setcond\(suffix(w)) \(c) \(d), \(a), \(b)"
        case .negsetcond(let c, let w, let d, let a, let b):
            return "negsetcond\(suffix(w)) \(c) \(d), \(a), \(b)"
        case .movcond(let c, let w, let d, let a, let b, let t, let f):
            return "movcond\(suffix(w)) \(c) \(d), \(a), \(b), \(t), \(f)"
        case .loadEnv(let acc, let d, let off): return "ld\(acc.loadSuffix) \(d), \(envRef(off))"
        case .storeEnv(let acc, let s, let off): return "st\(acc.storeSuffix) \(s), \(envRef(off))"
        case .guestLoad(let acc, let d, let a, let off):
            return "qemu_ld\(acc.loadSuffix) \(d), \(guestRef(a, off))"
        case .guestStore(let acc, let s, let a, let off):
            return "qemu_st\(acc.storeSuffix) \(s), \(guestRef(a, off))"
        case .setLabel(let l): return "\(l):"
        case .br(let l): return "br \(l)"
        case .brcond(let c, let w, let a, let b, let l): return "brcond\(suffix(w)) \(c) \(a), \(b), \(l)"
        case .call(let h, let args, let result):
            var s = "call \(helpers[Int(h.rawValue)].name)"
            if let result { s += " \(result) <-" }
            if !args.isEmpty { s += " \(args)" }
            return s
        case .gotoTB(let t): return "goto_tb \(hex(t))"
        case .gotoPtr(let r): return "goto_ptr \(r)"
        case .exitTB(let v): return "exit_tb \(hex(v))"
        case .mb: return "mb"
        }
    }
}

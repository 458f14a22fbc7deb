// The text form of a TB: one op per line.
//
// Grammar (EBNF; `ws` is spaces or tabs, allowed between any two tokens):
//
//   tb        = { line } ;
//   line      = [ item ] [ comment ] "\n" ;
//   comment   = ( "#" | ";" ) { any character but "\n" } ;
//   item      = ".pc" integer                       (* the TB's guest pc; default 0 *)
//             | label ":"                           (* same as set_label *)
//             | op ;
//   op        = "mov" reg "," reg
//             | "movi" reg "," integer
//             | binop [ w ] reg "," reg "," reg
//             | unop [ w ] reg "," reg
//             | extop reg "," reg
//             | ( "extract" | "sextract" ) reg "," reg "," integer "," integer   (* pos, len *)
//             | ( "setcond" | "negsetcond" ) [ w ] cond reg "," reg "," reg     (* d, a, b *)
//             | "movcond" [ w ] cond reg "," reg "," reg "," reg "," reg     (* d, a, b, t, f *)
//             | "ld" ldsize reg "," envref
//             | "st" stsize reg "," envref
//             | "qemu_ld" ldsize reg "," guestref
//             | "qemu_st" stsize reg "," guestref
//             | "set_label" label | "br" label
//             | "brcond" [ w ] cond reg "," reg "," label
//             | "call" ident [ reg "<-" ] [ reg { "," reg } ]   (* at most 6 arguments *)
//             | "goto_tb" integer | "goto_ptr" reg | "exit_tb" integer | "mb" ;
//   binop     = "add" | "sub" | "mul" | "and" | "or" | "xor" | "shl" | "shr" | "sar"
//             | "rotl" | "rotr" | "div" | "divu" | "rem" | "remu" ;
//   unop      = "not" | "neg" | "clz" | "ctz" | "ctpop" ;
//   extop     = "ext8s" | "ext8u" | "ext16s" | "ext16u" | "ext32s" | "ext32u" ;
//   w         = "_i32" | "_i64" ;                  (* written without a space; default _i64 *)
//   cond      = "eq" | "ne" | "lt" | "ge" | "le" | "gt" | "ltu" | "geu" | "leu" | "gtu"
//             | "tsteq" | "tstne" | "always" | "never" ;
//   ldsize    = "8u" | "8s" | "16u" | "16s" | "32u" | "32s" | "64" ;   (* no space after ld *)
//   stsize    = "8" | "16" | "32" | "64" ;
//   envref    = "env" [ ( "+" | "-" ) integer ] ;          (* offset fits Int32 *)
//   guestref  = "[" reg [ ( "+" | "-" ) integer ] "]" ;    (* offset fits Int32 *)
//   reg       = "r0" | "r1" | ... | "r15" ;
//   label     = ident ;
//   ident     = ( letter | "_" ) { letter | digit | "_" } ;
//   integer   = [ "-" ] ( digit { digit } | "0x" hexdigit { hexdigit } ) ;
//               (* 64-bit; a negative value is its two's complement *)
//
// Example:
//
//   .pc 0x1000
//   movi r1, 10
//   L0:
//   sub r1, r1, r2        # loop body
//   qemu_ld32u r3, [r4+16]
//   call putc r0 <- r3
//   brcond ne r1, r5, L0
//   exit_tb 0

extension TranslationBlock {
    /// The TB in its text form (see the grammar at the top of this file).
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

extension TBOp {
    /// Calls `body` with every register the op reads or writes (a register may
    /// come more than once). The emitter's locals layout gives each register a
    /// TB mentions a local of its own, and only those.
    func forEachRegister(_ body: (TBReg) -> Void) {
        switch self {
        case .mov(let d, let s), .unary(_, _, let d, let s), .extend(_, let d, let s),
            .extract(_, let d, let s, _, _):
            body(d)
            body(s)
        case .movi(let d, _), .loadEnv(_, let d, _), .storeEnv(_, let d, _), .gotoPtr(let d):
            body(d)
        case .binary(_, _, let d, let a, let b), .setcond(_, _, let d, let a, let b),
            .negsetcond(_, _, let d, let a, let b):
            body(d)
            body(a)
            body(b)
        case .movcond(_, _, let d, let a, let b, let t, let f):
            body(d)
            body(a)
            body(b)
            body(t)
            body(f)
        case .guestLoad(_, let d, let a, _), .guestStore(_, let d, let a, _), .brcond(_, _, let d, let a, _):
            body(d)
            body(a)
        case .call(_, let args, let result):
            for r in args { body(r) }
            if let result { body(result) }
        case .setLabel, .br, .gotoTB, .exitTB, .mb:
            break
        }
    }
}

extension TranslationBlock {
    /// The registers the TB's ops mention, one bit per register (`r0` in bit 0):
    /// the only registers a TB function reads or writes (in either layout), so a
    /// runtime copies just these between its register file and an instance.
    package var mentionedRegisters: UInt16 {
        var mask: UInt16 = 0
        for op in ops { op.forEachRegister { mask |= 1 << UInt16($0.index) } }
        return mask
    }
}

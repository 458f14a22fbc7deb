// The value semantics of every IR op, in one place. The reference
// interpreter calls these; the emitter must produce Wasm that agrees with
// them (the differential tests check that it does).

/// Pure functions giving the result of each arithmetic, extension and
/// comparison op on 64-bit register values.
public enum TBSemantics {
    /// The result of `a op b` at `width` (32-bit results are zero-extended).
    @inline(__always)
    public static func binary(_ op: TBBinaryOp, _ width: TBWidth, _ a: UInt64, _ b: UInt64) -> UInt64 {
        if width == .w64 { return binary64(op, a, b) }
        return UInt64(binary32(op, UInt32(truncatingIfNeeded: a), UInt32(truncatingIfNeeded: b)))
    }

    @inline(__always)
    static func binary64(_ op: TBBinaryOp, _ a: UInt64, _ b: UInt64) -> UInt64 {
        switch op {
        case .add: return a &+ b
        case .sub: return a &- b
        case .mul: return a &* b
        case .and: return a & b
        case .or: return a | b
        case .xor: return a ^ b
        case .shl: return a &<< (b & 63)
        case .shr: return a &>> (b & 63)
        case .sar: return UInt64(bitPattern: Int64(bitPattern: a) &>> Int64(b & 63))
        case .rotl:
            let n = b & 63
            return n == 0 ? a : (a &<< n) | (a &>> (64 - n))
        case .rotr:
            let n = b & 63
            return n == 0 ? a : (a &>> n) | (a &<< (64 - n))
        case .divu: return b == 0 ? UInt64.max : a / b
        case .remu: return b == 0 ? a : a % b
        case .div:
            let sa = Int64(bitPattern: a)
            let sb = Int64(bitPattern: b)
            if sb == 0 { return UInt64.max }
            if sa == Int64.min && sb == -1 { return a }
            return UInt64(bitPattern: sa / sb)
        case .rem:
            let sa = Int64(bitPattern: a)
            let sb = Int64(bitPattern: b)
            if sb == 0 { return a }
            if sa == Int64.min && sb == -1 { return 0 }
            return UInt64(bitPattern: sa % sb)
        }
    }

    @inline(__always)
    static func binary32(_ op: TBBinaryOp, _ a: UInt32, _ b: UInt32) -> UInt32 {
        switch op {
        case .add: return a &+ b
        case .sub: return a &- b
        case .mul: return a &* b
        case .and: return a & b
        case .or: return a | b
        case .xor: return a ^ b
        case .shl: return a &<< (b & 31)
        case .shr: return a &>> (b & 31)
        case .sar: return UInt32(bitPattern: Int32(bitPattern: a) &>> Int32(b & 31))
        case .rotl:
            let n = b & 31
            return n == 0 ? a : (a &<< n) | (a &>> (32 - n))
        case .rotr:
            let n = b & 31
            return n == 0 ? a : (a &>> n) | (a &<< (32 - n))
        case .divu: return b == 0 ? UInt32.max : a / b
        case .remu: return b == 0 ? a : a % b
        case .div:
            let sa = Int32(bitPattern: a)
            let sb = Int32(bitPattern: b)
            if sb == 0 { return UInt32.max }
            if sa == Int32.min && sb == -1 { return a }
            return UInt32(bitPattern: sa / sb)
        case .rem:
            let sa = Int32(bitPattern: a)
            let sb = Int32(bitPattern: b)
            if sb == 0 { return a }
            if sa == Int32.min && sb == -1 { return 0 }
            return UInt32(bitPattern: sa % sb)
        }
    }

    /// The result of `op s` at `width` (32-bit results are zero-extended).
    @inline(__always)
    public static func unary(_ op: TBUnaryOp, _ width: TBWidth, _ s: UInt64) -> UInt64 {
        if width == .w64 {
            switch op {
            case .not: return ~s
            case .neg: return 0 &- s
            case .clz: return UInt64(s.leadingZeroBitCount)
            case .ctz: return UInt64(s.trailingZeroBitCount)
            case .ctpop: return UInt64(s.nonzeroBitCount)
            }
        }
        let v = UInt32(truncatingIfNeeded: s)
        switch op {
        case .not: return UInt64(~v)
        case .neg: return UInt64(0 &- v)
        case .clz: return UInt64(v.leadingZeroBitCount)
        case .ctz: return UInt64(v.trailingZeroBitCount)
        case .ctpop: return UInt64(v.nonzeroBitCount)
        }
    }

    /// The low `op.bits` bits of `s`, sign- or zero-extended.
    @inline(__always)
    public static func extend(_ op: TBExtendOp, _ s: UInt64) -> UInt64 {
        switch op {
        case .ext8s: UInt64(bitPattern: Int64(Int8(truncatingIfNeeded: s)))
        case .ext8u: s & 0xFF
        case .ext16s: UInt64(bitPattern: Int64(Int16(truncatingIfNeeded: s)))
        case .ext16u: s & 0xFFFF
        case .ext32s: UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: s)))
        case .ext32u: s & 0xFFFF_FFFF
        }
    }

    /// Bits `[pos, pos + len)` of `s`, sign- or zero-extended (`len >= 1`, `pos + len <= 64`).
    @inline(__always)
    public static func extract(signed: Bool, _ s: UInt64, pos: UInt8, len: UInt8) -> UInt64 {
        let up = s &<< UInt64(64 &- Int(pos) &- Int(len))
        if signed { return UInt64(bitPattern: Int64(bitPattern: up) &>> Int64(64 &- Int(len))) }
        return up &>> UInt64(64 &- Int(len))
    }

    /// Whether `cond(a, b)` holds at `width`.
    @inline(__always)
    public static func condition(_ c: TBCond, _ width: TBWidth, _ a: UInt64, _ b: UInt64) -> Bool {
        var a = a
        var b = b
        if width == .w32 {
            // Compare the low halves: unsigned as zero-extended, signed as sign-extended.
            switch c {
            case .lt, .ge, .le, .gt:
                a = UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: a)))
                b = UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: b)))
            default:
                a &= 0xFFFF_FFFF
                b &= 0xFFFF_FFFF
            }
        }
        switch c {
        case .eq: return a == b
        case .ne: return a != b
        case .lt: return Int64(bitPattern: a) < Int64(bitPattern: b)
        case .ge: return Int64(bitPattern: a) >= Int64(bitPattern: b)
        case .le: return Int64(bitPattern: a) <= Int64(bitPattern: b)
        case .gt: return Int64(bitPattern: a) > Int64(bitPattern: b)
        case .ltu: return a < b
        case .geu: return a >= b
        case .leu: return a <= b
        case .gtu: return a > b
        case .tsteq: return a & b == 0
        case .tstne: return a & b != 0
        case .always: return true
        case .never: return false
        }
    }

    /// The all-ones value of a width, as `negsetcond` produces.
    @inline(__always)
    public static func allOnes(_ width: TBWidth) -> UInt64 { width == .w64 ? UInt64.max : 0xFFFF_FFFF }

    /// The result of `movcond` at `width`: the chosen value, truncated to 32 bits for `w32`.
    @inline(__always)
    public static func select(_ width: TBWidth, _ v: UInt64) -> UInt64 { width == .w64 ? v : v & 0xFFFF_FFFF }
}

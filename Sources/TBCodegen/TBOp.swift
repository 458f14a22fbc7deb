// The operations of the TB IR. One case per TCG op family; the family's
// variant (which arithmetic op, which width, which access size) is an
// operand so that the emitter and the interpreter each handle a family in
// one place.

/// A two-operand arithmetic or logic operation, `d = a op b`.
///
/// Shift and rotate counts are taken modulo the width (`& 63`, or `& 31` for
/// 32-bit ops), as Wasm does; TCG leaves larger counts undefined.
/// Division never traps; it follows RISC-V: dividing by zero gives all ones
/// (`div`, `divu`) or the dividend (`rem`, `remu`), and the signed overflow
/// `MIN / -1` gives `MIN` with remainder 0.
public enum TBBinaryOp: UInt8, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Wrapping arithmetic, bitwise logic, shifts (`shr` logical, `sar` arithmetic) and rotations.
    case add, sub, mul, and, or, xor, shl, shr, sar, rotl, rotr
    /// Signed division.
    case div
    /// Unsigned division.
    case divu
    /// Signed remainder (sign of the dividend).
    case rem
    /// Unsigned remainder.
    case remu

    /// The text-form mnemonic (without the `_i32` suffix).
    public var description: String {
        switch self {
        case .add: "add"
        case .sub: "sub"
        case .mul: "mul"
        case .and: "and"
        case .or: "or"
        case .xor: "xor"
        case .shl: "shl"
        case .shr: "shr"
        case .sar: "sar"
        case .rotl: "rotl"
        case .rotr: "rotr"
        case .div: "div"
        case .divu: "divu"
        case .rem: "rem"
        case .remu: "remu"
        }
    }
}

/// A one-operand operation, `d = op s`.
///
/// `clz`/`ctz` of zero give the width (64 or 32).
public enum TBUnaryOp: UInt8, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Bitwise not, two's-complement negation, leading/trailing zero count, population count.
    case not, neg, clz, ctz, ctpop

    /// The text-form mnemonic (without the `_i32` suffix).
    public var description: String {
        switch self {
        case .not: "not"
        case .neg: "neg"
        case .clz: "clz"
        case .ctz: "ctz"
        case .ctpop: "ctpop"
        }
    }
}

/// A sign or zero extension of the low 8, 16 or 32 bits to 64 bits.
public enum TBExtendOp: UInt8, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Sign (`s`) or zero (`u`) extension of the low 8, 16 or 32 bits.
    case ext8s, ext8u, ext16s, ext16u, ext32s, ext32u

    /// The number of low bits kept.
    public var bits: Int {
        switch self {
        case .ext8s, .ext8u: 8
        case .ext16s, .ext16u: 16
        case .ext32s, .ext32u: 32
        }
    }

    /// Whether the kept bits are sign-extended.
    public var isSigned: Bool { self == .ext8s || self == .ext16s || self == .ext32s }

    /// The text-form mnemonic.
    public var description: String {
        switch self {
        case .ext8s: "ext8s"
        case .ext8u: "ext8u"
        case .ext16s: "ext16s"
        case .ext16u: "ext16u"
        case .ext32s: "ext32s"
        case .ext32u: "ext32u"
        }
    }
}

/// The size and signedness of a memory access (CPU state or guest memory).
///
/// Loads of fewer than 8 bytes are zero- or sign-extended to 64 bits; stores
/// write the low bytes of the register. All accesses are little-endian.
public enum TBMemAccess: UInt8, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Unsigned (`u`) or signed (`s`) accesses of 8, 16, 32 or 64 bits.
    case u8, s8, u16, s16, u32, s32, u64

    /// The access size in bytes: 1, 2, 4 or 8.
    public var byteCount: Int {
        switch self {
        case .u8, .s8: 1
        case .u16, .s16: 2
        case .u32, .s32: 4
        case .u64: 8
        }
    }

    /// log2 of ``byteCount``.
    public var sizeLog2: Int {
        switch self {
        case .u8, .s8: 0
        case .u16, .s16: 1
        case .u32, .s32: 2
        case .u64: 3
        }
    }

    /// Whether a load sign-extends.
    public var isSigned: Bool { self == .s8 || self == .s16 || self == .s32 }

    /// The access as a store: the unsigned access of the same size.
    public var forStore: TBMemAccess {
        switch self {
        case .u8, .s8: .u8
        case .u16, .s16: .u16
        case .u32, .s32: .u32
        case .u64: .u64
        }
    }

    /// The load suffix in the text form: `8u`, `8s`, ..., `64`.
    public var loadSuffix: String {
        switch self {
        case .u8: "8u"
        case .s8: "8s"
        case .u16: "16u"
        case .s16: "16s"
        case .u32: "32u"
        case .s32: "32s"
        case .u64: "64"
        }
    }

    /// The store suffix in the text form: `8`, `16`, `32`, `64`.
    public var storeSuffix: String { "\(byteCount * 8)" }

    /// The operation code passed to the guest-memory slow-path helpers:
    /// `sizeLog2 | (isSigned ? 4 : 0)`.
    public var memop: UInt64 { UInt64(sizeLog2) | (isSigned ? 4 : 0) }

    /// The access described by a slow-path `memop`, if valid.
    public init?(memop: UInt64) {
        guard let a = TBMemAccess.allCases.first(where: { $0.memop == memop }) else { return nil }
        self = a
    }

    /// The load suffix (`8u`, ..., `64`).
    public var description: String { loadSuffix }
}

/// The index of a helper in its TB's ``TranslationBlock/helpers`` table.
public struct TBHelperIndex: Sendable, Hashable {
    /// The position in the table (also the `N` of the `helper.N` import).
    public var rawValue: UInt16

    /// Creates a helper index.
    public init(_ rawValue: UInt16) { self.rawValue = rawValue }
}

/// One operation of a translation block.
///
/// Ops are trivially copyable values; helper names and label positions live
/// in the owning ``TranslationBlock``.
public enum TBOp: Sendable, Hashable {
    /// `d = s`.
    case mov(TBReg, TBReg)
    /// `d = constant`.
    case movi(TBReg, UInt64)
    /// `d = a op b` at the given width.
    case binary(TBBinaryOp, TBWidth, TBReg, TBReg, TBReg)
    /// `d = op s` at the given width.
    case unary(TBUnaryOp, TBWidth, TBReg, TBReg)
    /// `d = extend(low bits of s)`.
    case extend(TBExtendOp, TBReg, TBReg)
    /// `d = bits [pos, pos + len) of s`, zero- or sign-extended. `len >= 1`, `pos + len <= 64`.
    case extract(signed: Bool, TBReg, TBReg, pos: UInt8, len: UInt8)
    /// `d = cond(a, b) ? 1 : 0`.
    case setcond(TBCond, TBWidth, TBReg, TBReg, TBReg)
    /// `d = cond(a, b) ? -1 : 0` (all ones of the width).
    case negsetcond(TBCond, TBWidth, TBReg, TBReg, TBReg)
    /// `d = cond(a, b) ? t : f`.
    case movcond(TBCond, TBWidth, TBReg, TBReg, TBReg, TBReg, TBReg)
    /// `d = load(env + offset)`.
    case loadEnv(TBMemAccess, TBReg, offset: Int32)
    /// `store(env + offset) = s` (low bytes).
    case storeEnv(TBMemAccess, TBReg, offset: Int32)
    /// `d = guest load(a + offset)` through the software TLB.
    case guestLoad(TBMemAccess, TBReg, TBReg, offset: Int32)
    /// `guest store(a + offset) = s` through the software TLB.
    case guestStore(TBMemAccess, TBReg, TBReg, offset: Int32)
    /// Marks the position of a label.
    case setLabel(TBLabel)
    /// Jumps to a label.
    case br(TBLabel)
    /// Jumps to a label if `cond(a, b)`.
    case brcond(TBCond, TBWidth, TBReg, TBReg, TBLabel)
    /// Calls a helper with register arguments; stores its result in `result` if given.
    case call(TBHelperIndex, TBCallArguments, result: TBReg?)
    /// Continues at the TB for a constant guest pc (0 means "exit with 0").
    case gotoTB(UInt64)
    /// Continues at the TB for the guest pc in a register (0 means "exit with 0").
    case gotoPtr(TBReg)
    /// Leaves the TB, returning the value to the host loop.
    case exitTB(UInt64)
    /// A memory barrier.
    case mb
}

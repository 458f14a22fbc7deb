// The operand vocabulary of the TB IR: registers, conditions, widths, labels
// and helper argument lists. Everything is plain data (trivially copyable
// where it sits inside an op) so that the reference interpreter can switch
// over ops without reference counting.

/// One of the 16 TB registers, `r0` ... `r15`, each a 64-bit integer.
///
/// The IR has no temporaries beyond these 16: they become the 16 register
/// globals of the emitted Wasm module (global index = register number).
/// Frontends keep guest registers in the CPU state (`env`) and use
/// `r0`...`r15` as TCG-style temporaries, as the RISC-V example does.
public enum TBReg: UInt8, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// The registers `r0` ... `r15`.
    case r0, r1, r2, r3, r4, r5, r6, r7, r8, r9, r10, r11, r12, r13, r14, r15

    /// The register's number, 0...15.
    public var index: Int { Int(rawValue) }

    /// The register's text-form name, `r0` ... `r15`.
    public var description: String { "r\(rawValue)" }
}

/// A comparison, with every condition TCG defines.
///
/// `tsteq`/`tstne` test `a & b` against zero; `always`/`never` ignore their
/// operands.
public enum TBCond: UInt8, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Equal.
    case eq
    /// Not equal.
    case ne
    /// Signed less than.
    case lt
    /// Signed greater than or equal.
    case ge
    /// Signed less than or equal.
    case le
    /// Signed greater than.
    case gt
    /// Unsigned less than.
    case ltu
    /// Unsigned greater than or equal.
    case geu
    /// Unsigned less than or equal.
    case leu
    /// Unsigned greater than.
    case gtu
    /// `(a & b) == 0`.
    case tsteq
    /// `(a & b) != 0`.
    case tstne
    /// Always true.
    case always
    /// Always false.
    case never

    /// The condition's text-form name (`eq`, `ltu`, `tsteq`, ...).
    public var description: String {
        switch self {
        case .eq: "eq"
        case .ne: "ne"
        case .lt: "lt"
        case .ge: "ge"
        case .le: "le"
        case .gt: "gt"
        case .ltu: "ltu"
        case .geu: "geu"
        case .leu: "leu"
        case .gtu: "gtu"
        case .tsteq: "tsteq"
        case .tstne: "tstne"
        case .always: "always"
        case .never: "never"
        }
    }

    /// Looks a condition up by its text-form name.
    public init?(name: String) {
        guard let c = TBCond.allCases.first(where: { $0.description == name }) else { return nil }
        self = c
    }
}

/// The operand width of an arithmetic or comparison op.
///
/// A 32-bit op (`add_i32`, ...) reads the low 32 bits of its operands and
/// writes its result zero-extended to 64 bits; comparisons of 32-bit width
/// compare the low 32 bits (signed conditions as `Int32`).
public enum TBWidth: UInt8, Sendable, Hashable, CaseIterable {
    /// 64-bit operands (the default; no suffix in the text form).
    case w64
    /// 32-bit operands (`_i32` suffix in the text form).
    case w32
}

/// A branch target inside one TB.
///
/// Labels are numbered densely from 0 in order of first appearance in the op
/// list once a TB is finished, so equal programs compare equal whatever order
/// a frontend created its labels in.
public struct TBLabel: Sendable, Hashable, CustomStringConvertible {
    /// The label's number.
    public var id: UInt32

    /// Creates a label with the given number.
    public init(id: UInt32) { self.id = id }

    /// The text-form name, `L<id>`.
    public var description: String { "L\(id)" }
}

/// The register arguments of a helper call: at most ``maxCount`` registers,
/// stored inline so that an op holding them needs no heap allocation.
public struct TBCallArguments: Sendable, Hashable, RandomAccessCollection, CustomStringConvertible {
    /// The most arguments a helper call may pass.
    public static let maxCount = 6

    private var packed: UInt32 = 0  // 6 registers x 4 bits
    private var _count: UInt8 = 0

    /// Creates an argument list; returns `nil` if there are more than ``maxCount`` registers.
    public init?(_ registers: [TBReg]) {
        guard registers.count <= Self.maxCount else { return nil }
        for (i, r) in registers.enumerated() { packed |= UInt32(r.rawValue) << (4 * UInt32(i)) }
        _count = UInt8(registers.count)
    }

    /// Creates an empty argument list.
    public init() {}

    /// Always 0.
    public var startIndex: Int { 0 }
    /// The number of arguments.
    public var endIndex: Int { Int(_count) }

    /// The register at position `i`.
    public subscript(i: Int) -> TBReg {
        precondition(i >= 0 && i < Int(_count), "TBCallArguments index out of range")
        return TBReg(rawValue: UInt8((packed >> (4 * UInt32(i))) & 0xF))!
    }

    /// The registers, comma-separated, as in the text form.
    public var description: String { map(\.description).joined(separator: ", ") }
}

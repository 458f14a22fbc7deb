/// One decoded RV64IM instruction: the operation and its operand fields.
///
/// Fields an instruction does not use are zero. `imm` is already sign-extended
/// and scaled the way the instruction uses it: the byte offset for branches and
/// `jal`, the shifted value for `lui`/`auipc` (`imm = upper << 12`), the shift
/// amount for the immediate shifts.
public struct Instruction: Equatable, Sendable {
    /// The operation.
    public var opcode: Opcode
    /// Destination register number (0...31).
    public var rd: UInt8
    /// First source register number (0...31).
    public var rs1: UInt8
    /// Second source register number (0...31).
    public var rs2: UInt8
    /// The immediate, sign-extended to 64 bits.
    public var imm: Int64

    /// Makes an instruction from its fields; register numbers are taken modulo 32.
    public init(_ opcode: Opcode, rd: UInt8 = 0, rs1: UInt8 = 0, rs2: UInt8 = 0, imm: Int64 = 0) {
        self.opcode = opcode
        self.rd = rd & 31
        self.rs1 = rs1 & 31
        self.rs2 = rs2 & 31
        self.imm = imm
    }
}

/// The 32-bit word at `address` is not a valid RV64IM instruction.
public struct IllegalInstruction: Error, Equatable, Sendable, CustomStringConvertible {
    /// The instruction word as fetched.
    public var word: UInt32
    /// Why it was rejected (the field that has no meaning in RV64IM).
    public var message: String

    /// A one-line explanation naming what was wrong and where.
    public var description: String {
        "illegal instruction 0x\(hex(UInt64(word), digits: 8)): \(message)"
    }
}

/// Lower-case hexadecimal, zero-padded to `digits`.
func hex(_ value: UInt64, digits: Int = 1) -> String {
    let text = String(value, radix: 16)
    return text.count >= digits ? text : String(repeating: "0", count: digits - text.count) + text
}

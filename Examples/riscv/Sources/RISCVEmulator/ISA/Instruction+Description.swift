extension Instruction: CustomStringConvertible {
    /// ABI names of the integer registers, indexed by register number.
    public static let registerNames = [
        "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1", "a2", "a3", "a4", "a5",
        "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
    ]

    /// Assembler syntax, e.g. `addi a0, sp, 16`, `lw a1, -8(s0)`, `beq a0, zero, +12`.
    /// Branch and jump targets are shown relative to the instruction.
    public var description: String {
        let name = opcode.mnemonic
        // The fields are public and settable: mask them rather than trap.
        let d = Self.registerNames[Int(rd & 31)]
        let s1 = Self.registerNames[Int(rs1 & 31)]
        let s2 = Self.registerNames[Int(rs2 & 31)]
        let offset = imm >= 0 ? "+\(imm)" : "\(imm)"
        switch opcode {
        case .lui, .auipc:
            return "\(name) \(d), 0x\(hex(UInt64(bitPattern: imm >> 12) & 0xfffff))"
        case .jal:
            return "\(name) \(d), \(offset)"
        case .jalr, .lb, .lh, .lw, .ld, .lbu, .lhu, .lwu:
            return "\(name) \(d), \(imm)(\(s1))"
        case .beq, .bne, .blt, .bge, .bltu, .bgeu:
            return "\(name) \(s1), \(s2), \(offset)"
        case .sb, .sh, .sw, .sd:
            return "\(name) \(s2), \(imm)(\(s1))"
        case .addi, .slti, .sltiu, .xori, .ori, .andi, .slli, .srli, .srai, .addiw, .slliw, .srliw, .sraiw:
            return "\(name) \(d), \(s1), \(imm)"
        case .fence, .fenceI, .ecall, .ebreak:
            return name
        default:
            return "\(name) \(d), \(s1), \(s2)"
        }
    }
}

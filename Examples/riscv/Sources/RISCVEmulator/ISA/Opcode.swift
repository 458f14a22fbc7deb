/// Every RV64IM instruction, one case per mnemonic.
///
/// The raw value is dense (0..<count) so tables can be indexed by it.
public enum Opcode: UInt8, CaseIterable, Sendable {
    // RV32I / RV64I base
    case lui, auipc, jal, jalr
    case beq, bne, blt, bge, bltu, bgeu
    case lb, lh, lw, ld, lbu, lhu, lwu
    case sb, sh, sw, sd
    case addi, slti, sltiu, xori, ori, andi, slli, srli, srai
    case add, sub, sll, slt, sltu, xor, srl, sra, or, and
    case fence, fenceI, ecall, ebreak
    // RV64I word forms
    case addiw, slliw, srliw, sraiw
    case addw, subw, sllw, srlw, sraw
    // M extension
    case mul, mulh, mulhsu, mulhu, div, divu, rem, remu
    case mulw, divw, divuw, remw, remuw

    /// The assembler mnemonic (`fence.i` for ``fenceI``).
    public var mnemonic: String {
        self == .fenceI ? "fence.i" : String(describing: self)
    }

    /// Whether the instruction ends a basic block: it may change the pc other
    /// than by falling through, or traps to the environment.
    public var endsBasicBlock: Bool {
        switch self {
        case .jal, .jalr, .beq, .bne, .blt, .bge, .bltu, .bgeu, .ecall, .ebreak, .fenceI: return true
        default: return false
        }
    }
}

/// Every RV64IM instruction, one case per mnemonic.
///
/// The raw value is dense (0..<count) so tables can be indexed by it.
public enum Opcode: UInt8, CaseIterable, Sendable {
    // RV32I / RV64I base
    /// Upper immediates and jumps.
    case lui, auipc, jal, jalr
    /// Conditional branches.
    case beq, bne, blt, bge, bltu, bgeu
    /// Loads (sign- or zero-extending).
    case lb, lh, lw, ld, lbu, lhu, lwu
    /// Stores.
    case sb, sh, sw, sd
    /// Register-immediate arithmetic.
    case addi, slti, sltiu, xori, ori, andi, slli, srli, srai
    /// Register-register arithmetic.
    case add, sub, sll, slt, sltu, xor, srl, sra, or, and
    /// Ordering and environment calls.
    case fence, fenceI, ecall, ebreak
    // RV64I word forms
    /// 32-bit register-immediate arithmetic, sign-extended to 64 bits.
    case addiw, slliw, srliw, sraiw
    /// 32-bit register-register arithmetic, sign-extended to 64 bits.
    case addw, subw, sllw, srlw, sraw
    // M extension
    /// Multiplication and division.
    case mul, mulh, mulhsu, mulhu, div, divu, rem, remu
    /// 32-bit multiplication and division, sign-extended to 64 bits.
    case mulw, divw, divuw, remw, remuw

    /// The assembler mnemonic (`fence.i` for ``fenceI``).
    public var mnemonic: String {
        self == .fenceI ? "fence.i" : String(describing: self)
    }

    /// Whether the instruction writes guest memory (`sb`, `sh`, `sw`, `sd`).
    public var isStore: Bool {
        switch self {
        case .sb, .sh, .sw, .sd: return true
        default: return false
        }
    }

    /// Whether the instruction is a conditional branch (`beq` ... `bgeu`).
    public var isConditionalBranch: Bool {
        switch self {
        case .beq, .bne, .blt, .bge, .bltu, .bgeu: return true
        default: return false
        }
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

// RV64IM decoding, following the base-ISA tables of the RISC-V Unprivileged
// Specification (chapters "RV32I", "RV64I", "M"). Only 32-bit encodings exist
// without the C extension: a word whose low two bits are not 0b11 is illegal.

extension Instruction {
    /// Decodes one 32-bit instruction word.
    ///
    /// - Parameter word: the little-endian word as fetched from guest memory.
    /// - Throws: ``IllegalInstruction`` if the word is not an RV64IM instruction
    ///   (CSR instructions, F/D/A/C encodings and reserved encodings included).
    public init(decoding word: UInt32) throws(IllegalInstruction) {
        let major = word & 0x7f
        let rd = UInt8(truncatingIfNeeded: word >> 7) & 31
        let funct3 = (word >> 12) & 7
        let rs1 = UInt8(truncatingIfNeeded: word >> 15) & 31
        let rs2 = UInt8(truncatingIfNeeded: word >> 20) & 31
        let funct7 = word >> 25
        let signed = Int32(bitPattern: word)
        let immI = Int64(signed >> 20)

        func illegal(_ reason: String) -> IllegalInstruction {
            IllegalInstruction(word: word, message: reason)
        }

        switch major {
        case 0x37:
            self.init(.lui, rd: rd, imm: Int64(Int32(bitPattern: word & 0xffff_f000)))
        case 0x17:
            self.init(.auipc, rd: rd, imm: Int64(Int32(bitPattern: word & 0xffff_f000)))
        case 0x6f:
            // imm[20|10:1|11|19:12] in bits 31..12
            let imm =
                Int64(signed >> 31) << 20 | Int64((word >> 21) & 0x3ff) << 1 | Int64((word >> 20) & 1) << 11
                | Int64((word >> 12) & 0xff) << 12
            self.init(.jal, rd: rd, imm: imm)
        case 0x67:
            guard funct3 == 0 else { throw illegal("jalr with funct3 \(funct3)") }
            self.init(.jalr, rd: rd, rs1: rs1, imm: immI)
        case 0x63:
            let ops: [Opcode?] = [.beq, .bne, nil, nil, .blt, .bge, .bltu, .bgeu]
            guard let op = ops[Int(funct3)] else { throw illegal("branch with funct3 \(funct3)") }
            // imm[12|10:5] in bits 31..25, imm[4:1|11] in bits 11..7
            let imm =
                Int64(signed >> 31) << 12 | Int64((word >> 25) & 0x3f) << 5 | Int64((word >> 8) & 0xf) << 1
                | Int64((word >> 7) & 1) << 11
            self.init(op, rs1: rs1, rs2: rs2, imm: imm)
        case 0x03:
            let ops: [Opcode?] = [.lb, .lh, .lw, .ld, .lbu, .lhu, .lwu, nil]
            guard let op = ops[Int(funct3)] else { throw illegal("load with funct3 \(funct3)") }
            self.init(op, rd: rd, rs1: rs1, imm: immI)
        case 0x23:
            let ops: [Opcode?] = [.sb, .sh, .sw, .sd, nil, nil, nil, nil]
            guard let op = ops[Int(funct3)] else { throw illegal("store with funct3 \(funct3)") }
            let imm = Int64(signed >> 25) << 5 | Int64((word >> 7) & 31)
            self.init(op, rs1: rs1, rs2: rs2, imm: imm)
        case 0x13:
            let shamt = Int64((word >> 20) & 63)
            let funct6 = word >> 26
            switch funct3 {
            case 0: self.init(.addi, rd: rd, rs1: rs1, imm: immI)
            case 2: self.init(.slti, rd: rd, rs1: rs1, imm: immI)
            case 3: self.init(.sltiu, rd: rd, rs1: rs1, imm: immI)
            case 4: self.init(.xori, rd: rd, rs1: rs1, imm: immI)
            case 6: self.init(.ori, rd: rd, rs1: rs1, imm: immI)
            case 7: self.init(.andi, rd: rd, rs1: rs1, imm: immI)
            case 1:
                guard funct6 == 0 else { throw illegal("slli with funct6 \(funct6)") }
                self.init(.slli, rd: rd, rs1: rs1, imm: shamt)
            default:
                switch funct6 {
                case 0x00: self.init(.srli, rd: rd, rs1: rs1, imm: shamt)
                case 0x10: self.init(.srai, rd: rd, rs1: rs1, imm: shamt)
                default: throw illegal("right shift with funct6 \(funct6)")
                }
            }
        case 0x1b:
            let shamt = Int64(rs2)
            switch (funct3, funct7) {
            case (0, _): self.init(.addiw, rd: rd, rs1: rs1, imm: immI)
            case (1, 0x00): self.init(.slliw, rd: rd, rs1: rs1, imm: shamt)
            case (5, 0x00): self.init(.srliw, rd: rd, rs1: rs1, imm: shamt)
            case (5, 0x20): self.init(.sraiw, rd: rd, rs1: rs1, imm: shamt)
            default: throw illegal("OP-IMM-32 with funct3 \(funct3), funct7 \(funct7)")
            }
        case 0x33:
            let ops: [Opcode]
            switch funct7 {
            case 0x00: ops = [.add, .sll, .slt, .sltu, .xor, .srl, .or, .and]
            case 0x01: ops = [.mul, .mulh, .mulhsu, .mulhu, .div, .divu, .rem, .remu]
            case 0x20 where funct3 == 0: ops = [.sub]
            case 0x20 where funct3 == 5: ops = [.sra]
            default: throw illegal("OP with funct3 \(funct3), funct7 \(funct7)")
            }
            let op = ops.count == 8 ? ops[Int(funct3)] : ops[0]
            self.init(op, rd: rd, rs1: rs1, rs2: rs2)
        case 0x3b:
            let op: Opcode
            switch (funct3, funct7) {
            case (0, 0x00): op = .addw
            case (0, 0x20): op = .subw
            case (1, 0x00): op = .sllw
            case (5, 0x00): op = .srlw
            case (5, 0x20): op = .sraw
            case (0, 0x01): op = .mulw
            case (4, 0x01): op = .divw
            case (5, 0x01): op = .divuw
            case (6, 0x01): op = .remw
            case (7, 0x01): op = .remuw
            default: throw illegal("OP-32 with funct3 \(funct3), funct7 \(funct7)")
            }
            self.init(op, rd: rd, rs1: rs1, rs2: rs2)
        case 0x0f:
            // The fence's pred/succ/fm fields only order memory, which a
            // single-threaded interpreter already does; they are ignored.
            switch funct3 {
            case 0: self.init(.fence)
            case 1: self.init(.fenceI)
            default: throw illegal("MISC-MEM with funct3 \(funct3)")
            }
        case 0x73:
            switch word {
            case 0x0000_0073: self.init(.ecall)
            case 0x0010_0073: self.init(.ebreak)
            default: throw illegal("SYSTEM instruction (CSR access or privileged) is not in RV64IM user mode")
            }
        default:
            if word & 3 != 3 { throw illegal("compressed (16-bit) encodings need the C extension") }
            throw illegal("major opcode 0x\(hex(UInt64(major), digits: 2)) is not in RV64IM")
        }
    }
}

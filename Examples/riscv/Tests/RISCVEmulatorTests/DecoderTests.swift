import Foundation
import TestSupport
import Testing

@testable import RISCVEmulator

@Suite struct DecoderTests {
    /// Words and their meaning from the RISC-V spec's encoding tables
    /// (the same words GNU as and llvm-mc emit for these lines).
    @Test func decodesKnownEncodings() throws {
        let cases: [(UInt32, Instruction)] = [
            (0x0000_0513, Instruction(.addi, rd: 10, rs1: 0, imm: 0)),  // li a0, 0
            (0x0000_8067, Instruction(.jalr, rd: 0, rs1: 1, imm: 0)),  // ret
            (0xfe01_0113, Instruction(.addi, rd: 2, rs1: 2, imm: -32)),  // addi sp, sp, -32
            (0x02b5_0533, Instruction(.mul, rd: 10, rs1: 10, rs2: 11)),  // mul a0, a0, a1
            (0x4000_0033, Instruction(.sub, rd: 0, rs1: 0, rs2: 0)),  // sub zero, zero, zero
            (0x0000_0073, Instruction(.ecall)),
            (0x0010_0073, Instruction(.ebreak)),
            (0x0ff0_000f, Instruction(.fence)),  // fence iorw, iorw
            (0x0000_100f, Instruction(.fenceI)),
            (0x8000_0537, Instruction(.lui, rd: 10, imm: -0x8000_0000)),  // lui a0, 0x80000
            (0x0000_0097, Instruction(.auipc, rd: 1, imm: 0)),  // auipc ra, 0
            (0x0000_006f, Instruction(.jal, rd: 0, imm: 0)),  // j .
            (0xfe05_1ee3, Instruction(.bne, rs1: 10, rs2: 0, imm: -4)),  // bnez a0, .-4
            (0x0081_3023, Instruction(.sd, rs1: 2, rs2: 8, imm: 0)),  // sd s0, 0(sp)
            (0xfea4_3c23, Instruction(.sd, rs1: 8, rs2: 10, imm: -8)),  // sd a0, -8(s0)
            (0x4035_5513, Instruction(.srai, rd: 10, rs1: 10, imm: 3)),  // srai a0, a0, 3
            (0x03f5_1513, Instruction(.slli, rd: 10, rs1: 10, imm: 63)),  // slli a0, a0, 63
            (0x0005_051b, Instruction(.addiw, rd: 10, rs1: 10, imm: 0)),  // sext.w a0, a0
            (0x02b5_453b, Instruction(.divw, rd: 10, rs1: 10, rs2: 11)),  // divw a0, a0, a1
            (0x4015_d59b, Instruction(.sraiw, rd: 11, rs1: 11, imm: 1)),  // sraiw a1, a1, 1
            (0x0015_e593, Instruction(.ori, rd: 11, rs1: 11, imm: 1)),  // ori a1, a1, 1
            (0x8000_0063, Instruction(.beq, rs1: 0, rs2: 0, imm: -4096)),  // beq zero, zero, .-4096
            (0x8000_006f, Instruction(.jal, rd: 0, imm: -0x10_0000)),  // j .-1MiB
        ]
        for (word, expected) in cases {
            #expect(try Instruction(decoding: word) == expected, "word 0x\(String(word, radix: 16))")
        }
    }

    @Test(
        arguments: [
            0x0000_0000, 0xffff_ffff,  // all zeros and all ones are reserved
            0x0000_4501,  // c.li a0, 0: compressed
            0x3401_1073,  // csrrw: not in user RV64IM
            0x1050_0073,  // wfi: privileged
            0x0000_1067,  // jalr with funct3 1
            0x0000_2063, 0x0000_3063,  // branch funct3 2, 3
            0x0000_7003,  // load funct3 7
            0x0000_4023,  // store funct3 4
            0x0400_1013,  // slli with funct6 1
            0x2000_5013,  // srli/srai with funct6 8
            0x0200_1013 | 0x0400_0000,  // slli, bit 26 set
            0x0200_101b,  // slliw with shamt bit 5 (reserved on RV64)
            0x0400_0033,  // OP with funct7 2
            0x4000_1033,  // OP funct7 0x20 with funct3 1
            0x0400_003b,  // OP-32 with funct7 2
            0x0200_103b,  // OP-32 M funct3 1 (no mulhw)
            0x0000_200f,  // MISC-MEM funct3 2
            0x0000_0007,  // flw/fld major opcode (F/D)
            0x0000_202f,  // AMO (A extension)
        ] as [UInt32])
    func rejectsIllegalWords(word: UInt32) {
        #expect(throws: IllegalInstruction.self) { try Instruction(decoding: word) }
    }

    @Test func everyOpcodeIsReachable() throws {
        // Every code word of the instruction-coverage program, decoded.
        let image = try ELFImage(bytes: GuestPrograms.elf("isa"))
        var seen = Set<Opcode>()
        for (_, word) in codeWords(image) {
            if let instruction = try? Instruction(decoding: word) { seen.insert(instruction.opcode) }
        }
        // ebreak is left out: it stops the program under qemu.
        #expect(seen == Set(Opcode.allCases).subtracting([.ebreak]))
    }

    /// Our decoding of every instruction in every guest program equals
    /// llvm-objdump's (the toolchain's independent RISC-V disassembler).
    @Test(arguments: GuestPrograms.names)
    func agreesWithLLVMObjdump(program: String) throws {
        guard let objdump = ExternalTool.findOrSkip("llvm-objdump") else { return }
        let listing = try ExternalTool.run(
            objdump, ["-d", "-M", "no-aliases", "--no-show-raw-insn", GuestPrograms.elfPath(program)])
        let theirs = parseObjdump(String(decoding: listing.stdout, as: UTF8.self))
        let image = try ELFImage(bytes: GuestPrograms.elf(program))
        let ours = codeWords(image)
        #expect(theirs.count > 10)
        var checked = 0
        for (address, word) in ours {
            guard let (mnemonic, operands) = theirs[address] else { continue }
            let instruction = try Instruction(decoding: word)
            #expect(instruction.opcode.mnemonic == mnemonic, "0x\(String(address, radix: 16))")
            if mnemonic != "fence" {
                #expect(
                    normalizedOperands(instruction, at: address) == operands,
                    "0x\(String(address, radix: 16)): \(instruction)")
            }
            checked += 1
        }
        #expect(checked == theirs.count)
    }

    @Test func describesInAssemblerSyntax() throws {
        #expect(try Instruction(decoding: 0xfe01_0113).description == "addi sp, sp, -32")
        #expect(try Instruction(decoding: 0xfea4_3c23).description == "sd a0, -8(s0)")
        #expect(try Instruction(decoding: 0xfe05_1ee3).description == "bne a0, zero, -4")
        #expect(try Instruction(decoding: 0x8000_0537).description == "lui a0, 0x80000")
    }

    // MARK: helpers

    func codeWords(_ image: ELFImage) -> [(address: UInt64, word: UInt32)] {
        var words: [(UInt64, UInt32)] = []
        for segment in image.segments where segment.isExecutable {
            for start in stride(from: 0, to: segment.contents.count - 3, by: 4) {
                let bytes = segment.contents[start..<start + 4]
                let word = bytes.reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
                words.append((segment.virtualAddress + UInt64(start), word))
            }
        }
        return words
    }

    /// address -> (mnemonic, operand tokens), operands as register names and
    /// decimal integers; `imm(reg)` becomes two tokens; `<symbol>` is dropped.
    func parseObjdump(_ text: String) -> [UInt64: (String, [String])] {
        var result: [UInt64: (String, [String])] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: "\t", omittingEmptySubsequences: false)
            let label = parts[0].trimmingCharacters(in: .whitespaces)
            guard parts.count >= 2, label.hasSuffix(":"), let address = UInt64(label.dropLast(), radix: 16)
            else { continue }
            let mnemonic = String(parts[1])
            var operandText = parts.count > 2 ? String(parts[2]) : ""
            if let bracket = operandText.range(of: " <") {
                operandText = String(operandText[..<bracket.lowerBound])
            }
            var tokens: [String] = []
            for operand in operandText.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) })
            {
                if let open = operand.firstIndex(of: "("), operand.hasSuffix(")") {
                    tokens.append(integer(String(operand[..<open])))
                    tokens.append(
                        String(operand[operand.index(after: open)..<operand.index(before: operand.endIndex)]))
                } else {
                    tokens.append(integer(operand))
                }
            }
            result[address] = (mnemonic, tokens.filter { !$0.isEmpty })
        }
        return result
    }

    func integer(_ token: String) -> String {
        let negative = token.hasPrefix("-")
        let digits = negative ? String(token.dropFirst()) : token
        guard digits.hasPrefix("0x"), let value = UInt64(digits.dropFirst(2), radix: 16) else { return token }
        return negative ? "-\(value)" : "\(value)"
    }

    func normalizedOperands(_ i: Instruction, at pc: UInt64) -> [String] {
        let names = Instruction.registerNames
        let (d, s1, s2) = (names[Int(i.rd)], names[Int(i.rs1)], names[Int(i.rs2)])
        switch i.opcode {
        case .lui, .auipc: return [d, "\(UInt64(bitPattern: i.imm >> 12) & 0xfffff)"]
        case .jal: return [d, "\(pc &+ UInt64(bitPattern: i.imm))"]
        case .jalr, .lb, .lh, .lw, .ld, .lbu, .lhu, .lwu: return [d, "\(i.imm)", s1]
        case .sb, .sh, .sw, .sd: return [s2, "\(i.imm)", s1]
        case .beq, .bne, .blt, .bge, .bltu, .bgeu: return [s1, s2, "\(pc &+ UInt64(bitPattern: i.imm))"]
        case .addi, .slti, .sltiu, .xori, .ori, .andi, .slli, .srli, .srai, .addiw, .slliw, .srliw, .sraiw:
            return [d, s1, "\(i.imm)"]
        case .fence, .fenceI, .ecall, .ebreak: return []
        default: return [d, s1, s2]
        }
    }
}

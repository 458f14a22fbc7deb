import TestSupport
import Testing

@testable import RISCVEmulator

/// Random straight-line RV64IM code (every ALU, shift, compare, multiply and
/// divide form, with random and aliased registers, x0 included) leaves the
/// same 31 registers on the translated engine as on the reference interpreter.
@Suite struct TranslatorDifferentialTests {
    static func r(
        _ funct7: UInt32, _ rs2: UInt32, _ rs1: UInt32, _ funct3: UInt32, _ rd: UInt32, _ opcode: UInt32
    )
        -> UInt32
    {
        funct7 << 25 | rs2 << 20 | rs1 << 15 | funct3 << 12 | rd << 7 | opcode
    }

    static func i(_ imm: Int32, _ rs1: UInt32, _ funct3: UInt32, _ rd: UInt32, _ opcode: UInt32) -> UInt32 {
        (UInt32(bitPattern: imm) & 0xfff) << 20 | rs1 << 15 | funct3 << 12 | rd << 7 | opcode
    }

    /// (funct7, funct3) of every OP and OP-32 instruction.
    static let registerForms: [(UInt32, UInt32, UInt32)] =
        [(0, 0), (0x20, 0), (0, 1), (0, 2), (0, 3), (0, 4), (0, 5), (0x20, 5), (0, 6), (0, 7)].map {
            ($0, $1, 0x33)
        }
        + (0..<8).map { (0x01, $0, 0x33) }
        + [(0, 0), (0x20, 0), (0, 1), (0, 5), (0x20, 5)].map { ($0, $1, 0x3b) }
        + [0, 4, 5, 6, 7].map { (0x01, $0, 0x3b) }

    static let edgeValues: [UInt64] = [
        0, 1, 2, 31, 32, 63, 64, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff, 0x1_0000_0000,
        0x7fff_ffff_ffff_ffff, 0x8000_0000_0000_0000, 0xffff_ffff_ffff_ffff, 0xffff_ffff_8000_0000,
    ]

    func randomInstruction(_ g: inout SplitMix64) -> UInt32 {
        let rd = UInt32(g.next() % 32)
        let rs1 = UInt32(g.next() % 32)
        let rs2 = UInt32(g.next() % 32)
        let imm = Int32(truncatingIfNeeded: g.next() % 4096) - 2048
        switch g.next() % 8 {
        case 0, 1, 2, 3:
            let (funct7, funct3, opcode) = Self.registerForms[
                Int(g.next() % UInt64(Self.registerForms.count))]
            return Self.r(funct7, rs2, rs1, funct3, rd, opcode)
        case 4:
            let funct3 = [0, 2, 3, 4, 6, 7][Int(g.next() % 6)] as UInt32
            return Self.i(imm, rs1, funct3, rd, 0x13)
        case 5:
            let shamt = UInt32(g.next() % 64)
            let (top, funct3): (UInt32, UInt32) = [(0, 1), (0, 5), (0x10, 5)][Int(g.next() % 3)]
            return top << 26 | shamt << 20 | rs1 << 15 | funct3 << 12 | rd << 7 | 0x13
        case 6:
            let shamt = UInt32(g.next() % 32)
            let (top, funct3): (UInt32, UInt32) = [(0, 1), (0, 5), (0x20, 5)][Int(g.next() % 3)]
            return g.next() % 2 == 0
                ? Self.i(imm, rs1, 0, rd, 0x1b)  // addiw
                : top << 25 | shamt << 20 | rs1 << 15 | funct3 << 12 | rd << 7 | 0x1b
        default:
            let upper = UInt32(truncatingIfNeeded: g.next()) & 0xffff_f000
            return upper | rd << 7 | (g.next() % 2 == 0 ? 0x37 : 0x17)  // lui / auipc
        }
    }

    @Test(arguments: 0..<24)
    func randomBlocksLeaveTheSameRegisters(seed: Int) throws {
        var g = SplitMix64(seed: UInt64(seed) &* 0x9e37_79b9 &+ 1)
        let count = 200
        // auipc x31, 0; ld x1...x30 from the table; random code; ebreak; table.
        let tableOffset = Int32(4 * (1 + 30 + count + 1))
        var words: [UInt32] = [0x0000_0f97]  // auipc t6, 0
        for register in 1...30 {
            words.append(Self.i(tableOffset + Int32(register * 8), 31, 3, UInt32(register), 0x03))
        }
        for _ in 0..<count { words.append(randomInstruction(&g)) }
        words.append(0x0010_0073)  // ebreak
        var table: [UInt64] = [0]
        for _ in 1...30 {
            table.append(
                g.next() % 3 == 0 ? Self.edgeValues[Int(g.next() % UInt64(Self.edgeValues.count))] : g.next())
        }
        var bytes = words.flatMap { word in (0..<4).map { UInt8(truncatingIfNeeded: word >> (8 * $0)) } }
        bytes += table.flatMap { value in (0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) }
        }
        let image = try ELFImage(
            entry: 0x10000,
            segments: [.init(virtualAddress: 0x10000, contents: bytes, isExecutable: true, isWritable: false)]
        )

        let reference = try ReferenceInterpreter(image: image)
        let translated = try TranslatingMachine(image: image, compilation: .off)
        let breakpoint = GuestFault.breakpoint(pc: 0x10000 + UInt64(4 * (words.count - 1)), hart: 0)
        #expect(throws: breakpoint) { try reference.run() }
        #expect(throws: breakpoint) { try translated.run() }
        for register in 1..<32 {
            #expect(
                translated.register(register, hart: 0) == reference.harts[0][register],
                "x\(register), seed \(seed)")
        }
    }
}

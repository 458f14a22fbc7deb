import Testing

@testable import RISCVEmulator

@Suite struct GuestBasicBlockTests {
    func machine(_ words: [UInt32]) throws -> ReferenceInterpreter {
        let code = words.flatMap { word in (0..<4).map { UInt8(truncatingIfNeeded: word >> (8 * $0)) } }
        let image = try ELFImage(
            entry: 0x10000,
            segments: [.init(virtualAddress: 0x10000, contents: code, isExecutable: true, isWritable: false)])
        return try ReferenceInterpreter(image: image)
    }

    @Test func blockEndsAtItsBranch() throws {
        // li a0, 0; li a1, 1; bnez a1, .-8; li a0, 5
        let m = try machine([0x0000_0513, 0x0010_0593, 0xfe05_9ce3, 0x0050_0513])
        let block = try GuestBasicBlock.scan(at: 0x10000, memory: m.memory, code: m.codeRange)
        #expect(block.instructions.map(\.opcode) == [.addi, .addi, .bne])
        #expect(block.end == .controlTransfer)
        #expect(block.endAddress == 0x1000c)
    }

    @Test func blockStopsBeforeAnIllegalWordAndAtTheCodeEnd() throws {
        let m = try machine([0x0000_0513, 0x0000_0000, 0x0000_0513])
        let first = try GuestBasicBlock.scan(at: 0x10000, memory: m.memory, code: m.codeRange)
        #expect(first.instructions.count == 1)
        #expect(first.end == .beforeFault)
        #expect(throws: GuestFault.self) {
            try GuestBasicBlock.scan(at: 0x10004, memory: m.memory, code: m.codeRange)
        }
        let last = try GuestBasicBlock.scan(at: 0x10008, memory: m.memory, code: m.codeRange)
        #expect(last.instructions.count == 1)
        #expect(last.end == .beforeFault)
    }

    @Test func blockStopsAtTheLengthLimit() throws {
        let m = try machine(Array(repeating: 0x0000_0513, count: 10))
        let block = try GuestBasicBlock.scan(
            at: 0x10000, memory: m.memory, code: m.codeRange, maximumLength: 4)
        #expect(block.instructions.count == 4)
        #expect(block.end == .lengthLimit)
    }

    /// Blocks scanned back to back tile the code of a real program, and only
    /// the last instruction of a block may leave it.
    @Test(arguments: GuestPrograms.names)
    func blocksTileTheProgramCode(program: String) throws {
        let m = try ReferenceInterpreter(image: ELFImage(bytes: GuestPrograms.elf(program)))
        var pc = m.codeRange.lowerBound
        var blocks = 0
        while pc < m.codeRange.upperBound {
            guard let block = try? GuestBasicBlock.scan(at: pc, memory: m.memory, code: m.codeRange) else {
                pc += 4  // padding or data between functions
                continue
            }
            for (index, instruction) in block.instructions.enumerated() {
                let address = block.startAddress + UInt64(index) * 4
                let word = UInt32(truncatingIfNeeded: m.memory.load64(address).map { $0 } ?? 0)
                #expect(try Instruction(decoding: word) == instruction)
                #expect(
                    instruction.opcode.endsBasicBlock
                        == (index == block.instructions.count - 1 && block.end == .controlTransfer))
            }
            pc = block.endAddress
            blocks += 1
        }
        #expect(blocks > 3)
    }
}

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

    /// auipc ra, 0; jalr ra, 12(ra) is a call to 0x1000c: a block that follows
    /// direct jumps goes on there; one that does not ends at the jalr.
    @Test func blockFollowsACallToItsKnownTarget() throws {
        // auipc ra, 0; jalr ra, 12(ra); ebreak; li a0, 5; li a7, 93; ecall
        let m = try machine([0x0000_0097, 0x00c0_80e7, 0x0010_0073, 0x0050_0513, 0x05d0_0893, 0x0000_0073])
        let plain = try GuestBasicBlock.scan(at: 0x10000, memory: m.memory, code: m.codeRange)
        #expect(plain.instructions.map(\.opcode) == [.auipc, .jalr])
        let followed = try GuestBasicBlock.scan(
            at: 0x10000, memory: m.memory, code: m.codeRange, followingDirectJumps: true)
        #expect(followed.instructions.map(\.opcode) == [.auipc, .jalr, .addi, .addi, .ecall])
        #expect(followed.addresses == [0x10000, 0x10004, 0x1000c, 0x10010, 0x10014])
        #expect(followed.end == .controlTransfer)
        #expect((0..<5).map(followed.isFollowed(at:)) == [false, true, false, false, false])
    }

    /// Past a conditional branch the block goes on with a new segment.
    @Test func blockGoesPastABranchAsASideExit() throws {
        // li a0, 0; beqz a0, +8; li a1, 1; ecall
        let m = try machine([0x0000_0513, 0x0005_0463, 0x0010_0593, 0x0000_0073])
        let plain = try GuestBasicBlock.scan(at: 0x10000, memory: m.memory, code: m.codeRange)
        #expect(plain.instructions.map(\.opcode) == [.addi, .beq])
        #expect(plain.segmentLengths == [2])
        let superblock = try GuestBasicBlock.scan(
            at: 0x10000, memory: m.memory, code: m.codeRange, followingBranches: true)
        #expect(superblock.instructions.map(\.opcode) == [.addi, .beq, .addi, .ecall])
        #expect(superblock.segmentLengths == [2, 2])
        #expect(superblock.isFollowed(at: 1))
        #expect(!superblock.isFollowed(at: 3))
    }

    /// A jump back into the block, or to a target outside the code, ends it.
    @Test func blockDoesNotFollowJumpsIntoItselfOrOutOfTheCode() throws {
        // li a0, 0; j .-4 (to the li); then at 0x10008: j +0x1000 (outside the code)
        let m = try machine([0x0000_0513, 0xffdf_f06f, 0x0000_106f])
        let loop = try GuestBasicBlock.scan(
            at: 0x10000, memory: m.memory, code: m.codeRange, followingDirectJumps: true)
        #expect(loop.instructions.map(\.opcode) == [.addi, .jal])
        #expect(loop.end == .controlTransfer)
        let out = try GuestBasicBlock.scan(
            at: 0x10008, memory: m.memory, code: m.codeRange, followingDirectJumps: true)
        #expect(out.instructions.map(\.opcode) == [.jal])
        #expect(out.end == .controlTransfer)
    }

    /// After a store the block follows no jump: the store could rewrite the target.
    @Test func blockWithAStoreDoesNotFollowJumps() throws {
        // sw zero, 0(sp); j +8; ebreak; li a0, 0
        let m = try machine([0x0001_2023, 0x0080_006f, 0x0010_0073, 0x0000_0513])
        let block = try GuestBasicBlock.scan(
            at: 0x10000, memory: m.memory, code: m.codeRange, followingDirectJumps: true)
        #expect(block.instructions.map(\.opcode) == [.sw, .jal])
        #expect(block.end == .controlTransfer)
    }

    /// A followed jump that uses up the length limit falls through to its target.
    @Test func lengthLimitAfterAFollowedJumpFallsThroughToTheTarget() throws {
        // j +8; ebreak; li a0, 0; li a0, 0
        let m = try machine([0x0080_006f, 0x0010_0073, 0x0000_0513, 0x0000_0513])
        let block = try GuestBasicBlock.scan(
            at: 0x10000, memory: m.memory, code: m.codeRange, maximumLength: 2, followingDirectJumps: true)
        #expect(block.instructions.map(\.opcode) == [.jal, .addi])
        #expect(block.end == .lengthLimit)
        #expect(block.fallThroughAddress == 0x1000c)
        #expect(block.isFollowed(at: 0))
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

import Testing

@testable import RISCVEmulator

/// Faults are typed, name the hart and pc, and leave the machine usable.
@Suite struct GuestFaultTests {
    static let codeBase: UInt64 = 0x10000

    /// A program of raw instruction words at 0x10000 (encodings checked with
    /// llvm-mc/llvm-objdump), plus a writable data page.
    func machine(_ words: [UInt32], harts: Int = 1) throws -> ReferenceInterpreter {
        let code = words.flatMap { word in (0..<4).map { UInt8(truncatingIfNeeded: word >> (8 * $0)) } }
        let image = try ELFImage(
            entry: Self.codeBase,
            segments: [
                .init(virtualAddress: Self.codeBase, contents: code, isExecutable: true, isWritable: true),
                .init(
                    virtualAddress: 0x20000, memorySize: 4096, contents: [], isExecutable: false,
                    isWritable: true),
            ])
        return try ReferenceInterpreter(image: image, hartCount: harts)
    }

    static let exit: [UInt32] = [0x05d0_0893, 0x0000_0073]  // li a7, 93; ecall

    @Test func illegalInstructionNamesWordAndPC() throws {
        let m = try machine([0x0000_0513, 0x3401_1073])  // li a0, 0; csrrw
        #expect(throws: GuestFault.self) { try m.run() }
        do {
            _ = try m.run()
        } catch {
            guard case .illegalInstruction(let illegal, let pc, let hart) = error else {
                Issue.record("wrong fault \(error)")
                return
            }
            #expect(illegal.word == 0x3401_1073)
            #expect(pc == Self.codeBase + 4)
            #expect(hart == 0)
        }
        #expect(m.harts[0].pc == Self.codeBase + 4)  // still at the faulting instruction
    }

    @Test func loadOutsideMemoryFaults() throws {
        let m = try machine([0x0000_3503])  // ld a0, 0(zero)
        #expect(throws: GuestFault.memoryAccess(address: 0, size: 8, kind: .load, pc: Self.codeBase, hart: 0))
        {
            try m.run()
        }
    }

    @Test func storeOutsideMemoryFaults() throws {
        let m = try machine([0x00a0_3023])  // sd a0, 0(zero)
        #expect(
            throws: GuestFault.memoryAccess(address: 0, size: 8, kind: .store, pc: Self.codeBase, hart: 0)
        ) {
            try m.run()
        }
    }

    @Test func storeAcrossTheEndOfMemoryFaults() throws {
        // The top of memory is the top of hart 0's stack: sd at sp-4 straddles it.
        let m = try machine([0xfea1_3e23])  // sd a0, -4(sp)
        let top = m.memory.stackTop(hart: 0)
        #expect(
            throws: GuestFault.memoryAccess(
                address: top - 4, size: 8, kind: .store, pc: Self.codeBase, hart: 0)
        ) {
            try m.run()
        }
    }

    @Test func misalignedJumpFaults() throws {
        let m = try machine([0x0020_0293, 0x0002_8067])  // li t0, 2; jr t0
        #expect(throws: GuestFault.misalignedFetch(pc: 2, hart: 0)) { try m.run() }
    }

    @Test func executingDataFaults() throws {
        let m = try machine([0x0000_02b7 | 0x20 << 12, 0x0002_8067])  // lui t0, 0x20; jr t0
        #expect(
            throws: GuestFault.memoryAccess(address: 0x20000, size: 4, kind: .fetch, pc: 0x20000, hart: 0)
        ) {
            try m.run()
        }
    }

    @Test func ebreakStops() throws {
        let m = try machine([0x0010_0073])
        #expect(throws: GuestFault.breakpoint(pc: Self.codeBase, hart: 0)) { try m.run() }
    }

    @Test func infiniteLoopStopsAtTheLimit() throws {
        let m = try machine([0x0000_006f])  // j .
        #expect(throws: GuestFault.instructionLimitReached(limit: 1000)) { try m.run(instructionLimit: 1000) }
        // Still usable: it resumes and stops again at the next limit.
        #expect(throws: GuestFault.instructionLimitReached(limit: 10)) { try m.run(instructionLimit: 10) }
        #expect(m.harts[0].pc == Self.codeBase)
    }

    @Test func selfModifyingCodeRunsTheNewInstruction() throws {
        // Runs `li a0, 5` once, overwrites it with `li a0, 7`, runs it again, exits with a0.
        let m = try machine(
            [
                0x0000_0297,  // auipc t0, 0
                0x0000_0593,  // li a1, 0
                0x0050_0513,  // li a0, 5       <- rewritten
                0x0005_9c63,  // bnez a1, exit
                0x0010_0593,  // li a1, 1
                0x0070_0337,  // lui t1, 0x700
                0x5133_0313,  // addi t1, t1, 0x513   (t1 = li a0, 7)
                0x0062_a423,  // sw t1, 8(t0)
                0xfe9f_f06f,  // j rewritten
            ] + Self.exit)
        #expect(try m.run().code == 7)
    }

    @Test func unknownSystemCallReturnsENOSYS() throws {
        // li a7, 1000; ecall; mv a0, a0 is -38 -> exit(a0) gives 218 (= -38 & 0xff)
        let m = try machine([0x3e80_0893, 0x0000_0073] + Self.exit)
        #expect(try m.run().code == 218)
    }

    @Test func writeWithABadPointerReturnsEFAULT() throws {
        // li a0, 1; li a1, 0; li a2, 4; li a7, 64; ecall -> a0 = -14; exit(a0)
        let m = try machine([0x0010_0513, 0x0000_0593, 0x0040_0613, 0x0400_0893, 0x0000_0073] + Self.exit)
        #expect(try m.run().code == 242)
        #expect(m.standardOutput.isEmpty)
    }

    @Test func rejectsBadHartCounts() throws {
        #expect(throws: MachineSetupError.badHartCount(0)) { try machine(Self.exit, harts: 0) }
        #expect(throws: MachineSetupError.badHartCount(65)) { try machine(Self.exit, harts: 65) }
    }

    @Test func rejectsImagesLargerThanTheMemoryLimit() throws {
        let image = try ELFImage(
            entry: 0x10000,
            segments: [
                .init(
                    virtualAddress: 0x10000, contents: [0x6f, 0, 0, 0], isExecutable: true, isWritable: false),
                .init(
                    virtualAddress: 0x1_0000_0000_0000, memorySize: 8, contents: [], isExecutable: false,
                    isWritable: true),
            ])
        #expect(throws: MachineSetupError.self) { try ReferenceInterpreter(image: image) }
    }
}

@Suite struct DivisionTests {
    /// The RISC-V spec's table "Semantics for division by zero and division overflow".
    @Test func divisionByZeroAndOverflowFollowTheSpec() {
        let x: UInt64 = 1234
        #expect(divide(.div, x, 0) == UInt64.max)
        #expect(divide(.divu, x, 0) == UInt64.max)
        #expect(divide(.rem, x, 0) == x)
        #expect(divide(.remu, x, 0) == x)
        let minimum = UInt64(bitPattern: Int64.min)
        #expect(divide(.div, minimum, UInt64.max) == minimum)
        #expect(divide(.rem, minimum, UInt64.max) == 0)
        // Word forms: 32-bit results, sign-extended.
        #expect(divide(.divw, x, 0) == UInt64.max)
        #expect(divide(.divuw, x, 0) == UInt64.max)
        #expect(divide(.remw, 0x8000_0000, 0) == 0xffff_ffff_8000_0000)
        #expect(divide(.remuw, 0x8000_0000, 0) == 0xffff_ffff_8000_0000)
        #expect(divide(.divw, 0x8000_0000, 0xffff_ffff) == 0xffff_ffff_8000_0000)
        #expect(divide(.remw, 0x8000_0000, 0xffff_ffff) == 0)
        #expect(divide(.div, UInt64(bitPattern: -7), 2) == UInt64(bitPattern: -3))  // rounds toward zero
        #expect(divide(.rem, UInt64(bitPattern: -7), 2) == UInt64(bitPattern: -1))
    }
}

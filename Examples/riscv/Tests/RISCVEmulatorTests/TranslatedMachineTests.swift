import TestSupport
import Testing

@testable import RISCVEmulator

/// The translated engine (guest blocks -> TB IR -> TB reference interpreter,
/// memory through the software TLB) prints exactly what qemu-riscv64 printed.
@Suite struct TranslatedMachineTests {
    @Test(arguments: GuestPrograms.names)
    func outputMatchesRecordedQemuOutput(program: String) throws {
        let expected = try GuestPrograms.expected(program)
        let machine = try TranslatedMachine(image: ELFImage(bytes: GuestPrograms.elf(program)))
        let exit = try machine.run(instructionLimit: 100_000_000)
        #expect(
            String(decoding: machine.standardOutput, as: UTF8.self)
                == String(decoding: expected.stdout, as: UTF8.self))
        #expect(exit.code == expected.exitCode)
        #expect(machine.translationCount > 0)
    }

    @Test(arguments: GuestPrograms.names)
    func outputMatchesLiveQemuRun(program: String) throws {
        guard let qemu = ExternalTool.find("qemu-riscv64") else {
            print("skipped: qemu-riscv64 not installed")
            return
        }
        let live = try ExternalTool.run(qemu, [GuestPrograms.elfPath(program)])
        let machine = try TranslatedMachine(image: ELFImage(bytes: GuestPrograms.elf(program)))
        let exit = try machine.run(instructionLimit: 100_000_000)
        #expect(machine.standardOutput == live.stdout)
        #expect(exit.code == Int(live.status))
    }

    /// Same instruction count as the reference interpreter: both retire
    /// whole blocks, ecalls included.
    @Test(arguments: ["hello", "sieve", "harts"])
    func retiresAsManyInstructionsAsTheReference(program: String) throws {
        let image = try ELFImage(bytes: GuestPrograms.elf(program))
        let translated = try TranslatedMachine(image: image).run()
        let reference = try ReferenceInterpreter(image: image).run()
        #expect(translated == reference)
    }

    @Test(arguments: [2, 4])
    func severalHartsPrintWhatOneQemuHartPrints(harts: Int) throws {
        let expected = try GuestPrograms.expected("harts")
        let machine = try TranslatedMachine(
            image: ELFImage(bytes: GuestPrograms.elf("harts")), hartCount: harts)
        let exit = try machine.run(instructionLimit: 10_000_000)
        #expect(machine.standardOutput == expected.stdout)
        #expect(exit.code == expected.exitCode)
        let claimedBy = try #require(machine.image.symbols["claimed_by"])
        let owners = try #require(machine.read(claimedBy, count: 24))
        #expect(Set(owners) == Set((0..<harts).map { UInt8($0) }))
    }

    func machine(_ words: [UInt32]) throws -> TranslatedMachine {
        let code = words.flatMap { word in (0..<4).map { UInt8(truncatingIfNeeded: word >> (8 * $0)) } }
        let image = try ELFImage(
            entry: 0x10000,
            segments: [.init(virtualAddress: 0x10000, contents: code, isExecutable: true, isWritable: true)])
        return try TranslatedMachine(image: image)
    }

    @Test func faultsMatchTheReference() throws {
        let programs: [[UInt32]] = [
            [0x0000_0513, 0x3401_1073],  // li a0, 0; csrrw
            [0x0000_0513, 0x0000_3503],  // li a0, 0; ld a0, 0(zero)
            [0x00a0_3023],  // sd a0, 0(zero)
            [0x0020_0293, 0x0002_8067],  // li t0, 2; jr t0
            [0x0000_0513, 0x0010_0073],  // li a0, 0; ebreak
        ]
        for words in programs {
            let code = words.flatMap { word in (0..<4).map { UInt8(truncatingIfNeeded: word >> (8 * $0)) } }
            let image = try ELFImage(
                entry: 0x10000,
                segments: [
                    .init(virtualAddress: 0x10000, contents: code, isExecutable: true, isWritable: true)
                ])
            var referenceFault: GuestFault?
            var translatedFault: GuestFault?
            let reference = try ReferenceInterpreter(image: image)
            let translated = try TranslatedMachine(image: image)
            do { _ = try reference.run() } catch { referenceFault = error }
            do { _ = try translated.run() } catch { translatedFault = error }
            #expect(referenceFault != nil)
            #expect(translatedFault == referenceFault)
        }
    }

    @Test func selfModifyingCodeRunsTheNewInstruction() throws {
        let m = try machine([
            0x0000_0297, 0x0000_0593, 0x0050_0513, 0x0005_9c63, 0x0010_0593, 0x0070_0337, 0x5133_0313,
            0x0062_a423, 0xfe9f_f06f, 0x05d0_0893, 0x0000_0073,
        ])
        #expect(try m.run().code == 7)
    }

    @Test func infiniteLoopStopsAtTheLimit() throws {
        let m = try machine([0x0000_006f])  // j .
        #expect(throws: GuestFault.instructionLimitReached(limit: 1000)) { try m.run(instructionLimit: 1000) }
    }
}

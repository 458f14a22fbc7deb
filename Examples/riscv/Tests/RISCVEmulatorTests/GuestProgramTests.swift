import Foundation
import TestSupport
import Testing

@testable import RISCVEmulator

/// Each committed guest program, run on the reference interpreter, prints
/// exactly what qemu-riscv64 printed for it and exits with the same code.
@Suite struct GuestProgramTests {
    static let limit: UInt64 = 100_000_000

    func run(_ name: String, harts: Int = 1) throws -> (ReferenceInterpreter, ReferenceInterpreter.Exit) {
        let machine = try ReferenceInterpreter(
            image: ELFImage(bytes: GuestPrograms.elf(name)), hartCount: harts)
        let exit = try machine.run(instructionLimit: Self.limit)
        return (machine, exit)
    }

    @Test(arguments: GuestPrograms.names)
    func outputMatchesRecordedQemuOutput(program: String) throws {
        let expected = try GuestPrograms.expected(program)
        let (machine, exit) = try run(program)
        #expect(
            String(decoding: machine.standardOutput, as: UTF8.self)
                == String(decoding: expected.stdout, as: UTF8.self))
        #expect(exit.code == expected.exitCode)
        #expect(machine.standardError.isEmpty)
    }

    @Test(arguments: GuestPrograms.names)
    func outputMatchesLiveQemuRun(program: String) throws {
        guard let qemu = ExternalTool.findOrSkip("qemu-riscv64") else { return }
        let live = try ExternalTool.run(qemu, [GuestPrograms.elfPath(program)])
        let (machine, exit) = try run(program)
        #expect(machine.standardOutput == live.stdout)
        #expect(exit.code == Int(live.status))
    }

    /// `bench`, the benchmark's longer workload (not among the test programs:
    /// too slow for the translating engines in a debug build), on the reference.
    @Test func benchWorkloadMatchesRecordedQemuOutput() throws {
        let expected = try GuestPrograms.expected("bench")
        let (machine, exit) = try run("bench")
        #expect(machine.standardOutput == expected.stdout)
        #expect(exit.code == expected.exitCode)
        #expect(exit.instructions > 20_000_000)
    }

    @Test(arguments: [2, 3, 4, 8])
    func severalHartsPrintWhatOneQemuHartPrints(harts: Int) throws {
        let expected = try GuestPrograms.expected("harts")
        let (machine, exit) = try run("harts", harts: harts)
        #expect(machine.standardOutput == expected.stdout)
        #expect(exit.code == expected.exitCode)

        // The harts really shared the work: read the guest's bookkeeping.
        let claimedBy = try #require(machine.image.symbols["claimed_by"])
        let owners = try #require(machine.memory.read(claimedBy, count: 24))
        #expect(Set(owners) == Set((0..<harts).map { UInt8($0) }))
        let perHart = try #require(machine.image.symbols["items_per_hart"])
        var total: UInt64 = 0
        for hart in 0..<harts {
            let items = try #require(machine.memory.load64(perHart + UInt64(hart) * 8))
            #expect(items > 0, "hart \(hart) did no work")
            total += items
        }
        #expect(total == 24)
        #expect(machine.isRunning.allSatisfy { !$0 })
        #expect(machine.systemCallCounts.allSatisfy { $0 > 1 })
    }

    @Test func hartsStartWithIdStackAndCount() throws {
        let image = try ELFImage(bytes: GuestPrograms.elf("hello"))
        let machine = try ReferenceInterpreter(image: image, hartCount: 3)
        for hart in 0..<3 {
            #expect(machine.harts[hart].pc == image.entry)
            #expect(machine.harts[hart][10] == UInt64(hart))
            #expect(machine.harts[hart][11] == 3)
            #expect(machine.harts[hart][2] == machine.memory.stackTop(hart: hart))
            #expect(machine.harts[hart][2] % 16 == 0)
        }
    }
}

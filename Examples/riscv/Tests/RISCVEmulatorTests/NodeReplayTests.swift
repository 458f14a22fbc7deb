import Foundation
import Testing

@testable import RISCVEmulator

/// The node leg of the benchmark: the Wasm TB modules our runtime instantiated,
/// replayed on V8, print what qemu-riscv64 printed (recorded by build.sh).
@Suite struct NodeReplayTests {
    static let limit: UInt64 = 100_000_000

    /// node as the replay finds it, or nil after printing the skip line.
    static func nodeOrSkip() -> String? {
        guard let node = NodeTBRunner.findNode() else {
            print("skipped: node not installed")
            return nil
        }
        return node
    }

    @Test(arguments: ["hello", "fib"])
    func replayOnNodePrintsWhatQemuPrinted(program: String) throws {
        guard let node = Self.nodeOrSkip() else { return }
        let expected = try GuestPrograms.expected(program)
        let image = try ELFImage(bytes: GuestPrograms.elf(program))
        let capture = try TranslatingMachine.captureWasmTBs(image: image, instructionLimit: Self.limit)
        let run = try NodeTBRunner.run(capture, nodePath: node, instructionLimit: Self.limit)
        #expect(
            String(decoding: run.standardOutput, as: UTF8.self)
                == String(decoding: expected.stdout, as: UTF8.self))
        #expect(run.exitCode == expected.exitCode)
        #expect(run.standardError.isEmpty)
        // The same TBs kept the same instret counter on both engines.
        #expect(run.instructions == capture.exit.instructions)
        #expect(run.compiledModules == capture.modules.count)
        #expect(run.tbRuns > 0)
    }

    /// crc32's hot loop stays inside one TB (the loop deadline is the limit)
    /// on V8 as on our interpreter: the same few TB runs, the same output.
    @Test func crc32ReplaysWithItsLoopsInsideTBs() throws {
        guard let node = Self.nodeOrSkip() else { return }
        let expected = try GuestPrograms.expected("crc32")
        let image = try ELFImage(bytes: GuestPrograms.elf("crc32"))
        let machine = try TranslatingMachine(image: image, compilation: .always)
        _ = try machine.run(instructionLimit: Self.limit)
        let capture = try TranslatingMachine.captureWasmTBs(image: image, instructionLimit: Self.limit)
        let run = try NodeTBRunner.run(capture, nodePath: node, instructionLimit: Self.limit)
        #expect(run.standardOutput == expected.stdout)
        #expect(run.exitCode == expected.exitCode)
        #expect(run.tbRuns == machine.runtime.statistics.wasmRuns)
        #expect(run.tbRuns < 200)
    }

    /// A loop over two blocks chains TBs without leaving the cpu loop; the
    /// replay stops it at the limit like the runtime's TB limit does.
    @Test func replayStopsALoopOverTwoBlocksAtTheLimit() throws {
        guard let node = Self.nodeOrSkip() else { return }
        // li t0, 2000; loop: addi t0, t0, -1; beq zero, zero, next; next: bnez t0, loop; li a7, 93; ecall
        let words: [UInt32] = [0x7d00_0293, 0xfff2_8293, 0x0000_0263, 0xfe02_9ce3, 0x05d0_0893, 0x0000_0073]
        let code = words.flatMap { word in (0..<4).map { UInt8(truncatingIfNeeded: word >> (8 * $0)) } }
        let image = try ELFImage(
            entry: 0x10000,
            segments: [.init(virtualAddress: 0x10000, contents: code, isExecutable: true, isWritable: false)])
        let capture = try TranslatingMachine.captureWasmTBs(image: image, instructionLimit: Self.limit)
        // li, 2000 passes of addi, beq, bnez, then li and ecall.
        #expect(capture.exit.instructions == 1 + 3 * 2000 + 2)
        #expect(try ReferenceInterpreter(image: image).run().instructions == capture.exit.instructions)
        let full = try NodeTBRunner.run(capture, nodePath: node, instructionLimit: Self.limit)
        #expect(full.instructions == capture.exit.instructions)
        #expect(full.exitCode == 0)
        let error = try #require(throws: NodeTBRunError.self) {
            try NodeTBRunner.run(capture, nodePath: node, instructionLimit: 1000)
        }
        #expect(error.message.contains("1000 chained TBs without an exit"))
    }

    @Test func replayWithoutATBReportsThePC() throws {
        guard let node = Self.nodeOrSkip() else { return }
        var capture = try TranslatingMachine.captureWasmTBs(
            image: ELFImage(bytes: GuestPrograms.elf("hello")), instructionLimit: Self.limit)
        let entry = try #require(capture.modules.firstIndex { $0.pc == capture.entry })
        capture.modules.remove(at: entry)
        let error = try #require(throws: NodeTBRunError.self) {
            try NodeTBRunner.run(capture, nodePath: node, instructionLimit: Self.limit)
        }
        #expect(error.message.contains("no captured TB for pc 0x\(String(capture.entry, radix: 16))"))
    }

    @Test func replayStopsAtTheInstructionLimit() throws {
        guard let node = Self.nodeOrSkip() else { return }
        let capture = try TranslatingMachine.captureWasmTBs(
            image: ELFImage(bytes: GuestPrograms.elf("fib")), instructionLimit: Self.limit)
        let error = try #require(throws: NodeTBRunError.self) {
            try NodeTBRunner.run(capture, nodePath: node, instructionLimit: 1000)
        }
        #expect(error.message.contains("did not exit within 1000 instructions"))
    }
}

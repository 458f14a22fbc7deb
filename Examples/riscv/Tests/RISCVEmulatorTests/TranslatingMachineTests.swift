import TestSupport
import Testing
import WasmInterpreter

@testable import RISCVEmulator

/// The translating machine (blocks translated on a cache miss and run on the
/// TB runtime: IR interpreter, Wasm as its compilation policy says; harts and
/// the console as fibers) prints exactly what qemu-riscv64 printed, with
/// compilation off (the IR-only engine), at the default threshold and always;
/// the Wasm TBs on our Wasm interpreter and on our native tier (where the host has it).
@Suite struct TranslatingMachineTests {
    typealias Compilation = TranslatingMachine.Compilation
    /// Every compilation policy worth telling apart: IR only, tiered, Wasm only.
    static let policies: [Compilation] = [.off, .default, .always]
    /// The Wasm engines: our interpreter, and the native tier on hosts that have it.
    static let wasmEngines: [Store.Engine] =
        Store.nativeEngineIsAvailable ? [.interpreter, .native] : [.interpreter]

    static func run(
        _ program: String, harts: Int = 1, compilation: Compilation = .default,
        engine: Store.Engine = .automatic
    ) throws -> (machine: TranslatingMachine, exit: GuestExit) {
        let machine = try TranslatingMachine(
            image: ELFImage(bytes: GuestPrograms.elf(program)), hartCount: harts, compilation: compilation,
            engine: engine)
        let exit = try machine.run(instructionLimit: 100_000_000)
        return (machine, exit)
    }

    @Test(arguments: GuestPrograms.names, [Compilation.off, .default])
    func outputMatchesRecordedQemuOutput(program: String, compilation: Compilation) throws {
        let expected = try GuestPrograms.expected(program)
        let (machine, exit) = try Self.run(program, compilation: compilation)
        #expect(
            String(decoding: machine.standardOutput, as: UTF8.self)
                == String(decoding: expected.stdout, as: UTF8.self))
        #expect(exit.code == expected.exitCode)
        #expect(machine.translationCount > 0)
        #expect(machine.runtime.statistics.interpretedRuns > 0)
        if compilation == .off {
            #expect(machine.runtime.statistics.compilations == 0)
            #expect(machine.runtime.statistics.wasmRuns == 0)
        }
    }

    /// The IR-only engine and Wasm TBs on each Wasm engine against a live
    /// qemu-riscv64 run (not only its recording).
    @Test(arguments: GuestPrograms.names)
    func outputMatchesLiveQemuRun(program: String) throws {
        guard let qemu = ExternalTool.findOrSkip("qemu-riscv64") else { return }
        let live = try ExternalTool.run(qemu, [GuestPrograms.elfPath(program)])
        let runs = [(Compilation.off, Store.Engine.automatic)] + Self.wasmEngines.map { (.always, $0) }
        for (compilation, engine) in runs {
            let (machine, exit) = try Self.run(program, compilation: compilation, engine: engine)
            #expect(machine.standardOutput == live.stdout, "\(compilation), \(engine)")
            #expect(exit.code == Int(live.status), "\(compilation), \(engine)")
        }
    }

    /// fib's blocks pass the default threshold of 1500 runs, so they really
    /// ran as Wasm on our interpreter after the IR interpreter.
    @Test func fibsHotBlocksRunAsWasmAtTheDefaultThreshold() throws {
        let (machine, exit) = try Self.run("fib")
        #expect(machine.standardOutput == (try GuestPrograms.expected("fib").stdout))
        #expect(exit.code == 109)
        #expect(machine.runtime.statistics.compilations > 0)
        #expect(machine.runtime.statistics.wasmRuns > 0)
    }

    /// A low threshold: every program switches engines mid-run (most of their
    /// loops stay inside one TB run, so 1500 is reached only by fib). hello
    /// runs no block three times; it is covered by the other tests.
    @Test(arguments: GuestPrograms.names.filter { $0 != "hello" }, wasmEngines)
    func mixedEnginesMatchQemu(program: String, engine: Store.Engine) throws {
        let expected = try GuestPrograms.expected(program)
        let (machine, exit) = try Self.run(program, compilation: .afterRuns(3), engine: engine)
        #expect(machine.standardOutput == expected.stdout)
        #expect(exit.code == expected.exitCode)
        #expect(machine.runtime.statistics.interpretedRuns > 0)
        #expect(machine.runtime.statistics.wasmRuns > 0)
    }

    /// Compilation `.always`: every TB runs as Wasm from its first run.
    @Test(arguments: GuestPrograms.names, wasmEngines)
    func alwaysWasmMatchesQemu(program: String, engine: Store.Engine) throws {
        let expected = try GuestPrograms.expected(program)
        let (machine, exit) = try Self.run(program, compilation: .always, engine: engine)
        #expect(machine.standardOutput == expected.stdout)
        #expect(exit.code == expected.exitCode)
        #expect(machine.runtime.statistics.interpretedRuns == 0)
        #expect(machine.runtime.statistics.compilations == machine.translationCount)
        // The pin held: every live instance (isa has more blocks than the
        // instance cap keeps) runs on the engine asked for.
        let engines = machine.blocks.keys.compactMap { machine.runtime.engine(at: $0) }
        #expect(!engines.isEmpty && engines.allSatisfy { $0 == engine })
    }

    /// Same instruction count as the reference interpreter: both retire
    /// whole blocks, ecalls included.
    @Test(arguments: ["hello", "sieve", "harts"], [Compilation.off, .default])
    func retiresAsManyInstructionsAsTheReference(program: String, compilation: Compilation) throws {
        let image = try ELFImage(bytes: GuestPrograms.elf(program))
        let runtime = try TranslatingMachine(image: image, compilation: compilation).run()
        let reference = try ReferenceInterpreter(image: image).run()
        #expect(runtime == reference)
    }

    /// Every console write is performed by the console fiber: as many swaps to
    /// it as the reference interpreter performs writes, on every engine.
    @Test(arguments: policies)
    func consoleFiberPerformsEveryWrite(compilation: Compilation) throws {
        for program in ["hello", "sieve"] {
            let image = try ELFImage(bytes: GuestPrograms.elf(program))
            let reference = try ReferenceInterpreter(image: image)
            var writes = 0
            reference.onWrite = { _, _ in writes += 1 }
            _ = try reference.run()
            let machine = try TranslatingMachine(image: image, compilation: compilation)
            var streamed: [UInt8] = []
            machine.onWrite = { _, bytes in streamed += bytes }
            _ = try machine.run()
            #expect(writes > 0)
            #expect(machine.consoleSwaps == writes, "\(program)")
            #expect(streamed == reference.standardOutput)
            // Each write suspended the running TB inside the ecall helper.
            #expect(machine.runtime.statistics.suspensions >= writes)
            #expect(machine.runtime.statistics.resumptions == machine.runtime.statistics.suspensions)
        }
    }

    /// K harts as fibers on one thread, switching inside the ecall helper
    /// (so several are suspended in the same TBs), print what qemu's one hart
    /// prints, and every hart claimed work.
    @Test(arguments: [2, 4])
    func severalHartFibersPrintWhatOneQemuHartPrints(harts: Int) throws {
        let expected = try GuestPrograms.expected("harts")
        let runs =
            [(Compilation.off, Store.Engine.automatic)]
            + [Compilation.default, .always].flatMap { c in Self.wasmEngines.map { (c, $0) } }
        for (compilation, engine) in runs {
            let (machine, exit) = try Self.run(
                "harts", harts: harts, compilation: compilation, engine: engine)
            #expect(machine.standardOutput == expected.stdout)
            #expect(exit.code == expected.exitCode)
            #expect(machine.hartSwaps > 0)
            let claimedBy = try #require(machine.image.symbols["claimed_by"])
            let owners = try #require(machine.read(claimedBy, count: 24))
            #expect(Set(owners) == Set((0..<harts).map { UInt8($0) }))
            let stats = machine.runtime.statistics
            #expect(stats.resumptions == stats.suspensions)
            #expect(stats.suspensions >= machine.hartSwaps)
        }
    }

    /// Same instruction count and output as the reference with K harts.
    @Test func hartFibersRetireAsManyInstructionsAsTheReference() throws {
        let image = try ELFImage(bytes: GuestPrograms.elf("harts"))
        let runtime = try TranslatingMachine(image: image, hartCount: 3)
        let reference = try ReferenceInterpreter(image: image, hartCount: 3)
        #expect(try runtime.run() == reference.run())
        #expect(runtime.standardOutput == reference.standardOutput)
    }

    static func image(_ words: [UInt32]) throws -> ELFImage {
        let code = words.flatMap { word in (0..<4).map { UInt8(truncatingIfNeeded: word >> (8 * $0)) } }
        return try ELFImage(
            entry: 0x10000,
            segments: [.init(virtualAddress: 0x10000, contents: code, isExecutable: true, isWritable: true)])
    }

    @Test(arguments: policies)
    func faultsMatchTheReference(compilation: Compilation) throws {
        let programs: [[UInt32]] = [
            [0x0000_0513, 0x3401_1073],  // li a0, 0; csrrw
            [0x0000_0513, 0x0000_3503],  // li a0, 0; ld a0, 0(zero)
            [0x00a0_3023],  // sd a0, 0(zero)
            [0x0020_0293, 0x0002_8067],  // li t0, 2; jr t0
            [0x0000_0513, 0x0010_0073],  // li a0, 0; ebreak
        ]
        for words in programs {
            let image = try Self.image(words)
            var referenceFault: GuestFault?
            var runtimeFault: GuestFault?
            let reference = try ReferenceInterpreter(image: image)
            let machine = try TranslatingMachine(image: image, compilation: compilation)
            do { _ = try reference.run() } catch { referenceFault = error }
            do { _ = try machine.run() } catch { runtimeFault = error }
            #expect(referenceFault != nil)
            #expect(runtimeFault == referenceFault)
        }
    }

    /// The program stores a new instruction over one its first block already
    /// ran, then jumps back to it: the new instruction runs, and the changed
    /// block was translated again.
    @Test(arguments: policies)
    func selfModifyingCodeRunsTheNewInstruction(compilation: Compilation) throws {
        let m = try TranslatingMachine(
            image: Self.image([
                0x0000_0297, 0x0000_0593, 0x0050_0513, 0x0005_9c63, 0x0010_0593, 0x0070_0337, 0x5133_0313,
                0x0062_a423, 0xfe9f_f06f, 0x05d0_0893, 0x0000_0073,
            ]), compilation: compilation)
        #expect(try m.run().code == 7)
        #expect(m.translationCount > m.blocks.count, "the changed block was translated again")
    }

    /// How both rewriting programs below begin: `t0` = the code's address,
    /// pass counter `a1` = 0, then `L`, the instruction they rewrite, and the
    /// last pass number in `t2`.
    static let rewritingProgramStart: [UInt32] = [
        0x0000_0297,  // auipc t0, 0
        0x0000_0593,  // li a1, 0
        0x0050_0513,  // L: li a0, 5 (pass 2 writes li a0, 7 here)
        0x0020_0393,  // li t2, 2
    ]

    /// Pass `a1` stores `li a0, 5 + 2 * a1` over `L` and counts the pass.
    static let rewriteL: [UInt32] = [
        0x0155_9313,  // slli t1, a1, 21
        0x0050_0e37,  // lui t3, 0x500
        0x513e_0e13,  // addi t3, t3, 0x513 (t3 = li a0, 5)
        0x01c3_0333,  // add t1, t1, t3 (li a0, 5 + 2 * a1)
        0x0062_a423,  // sw t1, 8(t0)
        0x0015_8593,  // addi a1, a1, 1
    ]

    /// Exits with `a0`.
    static let exitWithA0: [UInt32] = [
        0x05d0_0893,  // exit: li a7, 93
        0x0000_0073,  // ecall
    ]

    /// Runs `words` on the reference interpreter, which must exit with 7, and
    /// on the machine, which must end as the reference did.
    static func expectSevenAsTheReference(_ words: [UInt32], compilation: Compilation) throws
        -> TranslatingMachine
    {
        let image = try Self.image(words)
        let reference = try ReferenceInterpreter(image: image).run()
        #expect(reference.code == 7)
        let machine = try TranslatingMachine(image: image, compilation: compilation)
        #expect(try machine.run() == reference)
        return machine
    }

    /// A block rewritten after it was translated and ran, from another TB
    /// whose store goes through a TLB entry for the code page: pass 1 stores
    /// the unchanged word (mapping the page), pass 2 the new one, pass 3 runs
    /// `L` again. Only the write-protected code page sends that second store
    /// to the slow path, which retranslates `L`.
    @Test(arguments: policies)
    func aTranslatedBlockRewrittenThroughTheTLBIsRetranslated(compilation: Compilation) throws {
        let words =
            Self.rewritingProgramStart
            + [
                0x0275_8463,  // beq a1, t2, exit
                0x01c2_8e93,  // addi t4, t0, 28
                0x000e_8067,  // jr t4 (ends the TB)
            ] + Self.rewriteL
            + [
                0xfd5f_f06f  // j L
            ] + Self.exitWithA0
        let machine = try Self.expectSevenAsTheReference(words, compilation: compilation)
        #expect(machine.translationCount > machine.blocks.count, "L was translated again")
    }

    /// As above, but `L` rewrites itself and jumps back to its own start, a
    /// loop that stays inside its TB: the store into the code leaves that loop,
    /// so pass 3 runs the new translation.
    @Test(arguments: policies)
    func aSelfLoopingBlockThatRewritesItselfRunsTheNewCode(compilation: Compilation) throws {
        let words =
            Self.rewritingProgramStart
            + [
                0x0275_8063  // beq a1, t2, exit
            ] + Self.rewriteL
            + [
                0xfddf_f06f  // j L (to the start of L's own TB)
            ] + Self.exitWithA0
        _ = try Self.expectSevenAsTheReference(words, compilation: compilation)
    }

    /// Blocks that follow calls (the default) run fib with fewer TB runs than
    /// plain basic blocks, and both print what qemu printed.
    @Test func followingCallsRunsFewerTBs() throws {
        let expected = try GuestPrograms.expected("fib")
        var runs: [Int] = []
        for follow in [false, true] {
            let m = try TranslatingMachine(
                image: ELFImage(bytes: GuestPrograms.elf("fib")), buildsSuperblocks: follow)
            let exit = try m.run(instructionLimit: 100_000_000)
            #expect(m.standardOutput == expected.stdout)
            #expect(exit.code == expected.exitCode)
            runs.append(m.runtime.statistics.interpretedRuns + m.runtime.statistics.wasmRuns)
        }
        #expect(runs[1] * 4 < runs[0] * 3, "TB runs plain vs following calls: \(runs)")
    }

    /// A loop whose exit test is a side exit in the middle of its superblock:
    /// taken once, not taken four times; every engine retires what the
    /// reference retires and exits the same way.
    @Test(arguments: policies)
    func sideExitsCountTheInstructionsTheyRun(compilation: Compilation) throws {
        let words: [UInt32] = [
            0x0050_0293,  // li t0, 5
            0xfff2_8293,  // loop: addi t0, t0, -1
            0x0002_8663,  // beqz t0, done (a side exit)
            0x0035_0513,  // addi a0, a0, 3
            0xff5f_f06f,  // j loop
            0x05d0_0893,  // done: li a7, 93
            0x0000_0073,  // ecall
        ]
        let reference = try ReferenceInterpreter(image: Self.image(words)).run(instructionLimit: 1000)
        #expect(reference.code == 12)
        let machine = try TranslatingMachine(image: Self.image(words), compilation: compilation)
        #expect(try machine.run(instructionLimit: 1000) == reference)
    }

    /// A call followed into its target: the link register and the result are the reference's.
    @Test(arguments: policies)
    func followedCallSetsTheLinkRegister(compilation: Compilation) throws {
        // auipc ra, 0; jalr ra, 12(ra); ebreak; li a0, 5; li a7, 93; ecall
        let words: [UInt32] = [0x0000_0097, 0x00c0_80e7, 0x0010_0073, 0x0050_0513, 0x05d0_0893, 0x0000_0073]
        let m = try TranslatingMachine(image: Self.image(words), compilation: compilation)
        let exit = try m.run(instructionLimit: 1000)
        let reference = try ReferenceInterpreter(image: Self.image(words))
        let referenceExit = try reference.run(instructionLimit: 1000)
        #expect(exit == referenceExit)
        #expect(exit.code == 5)
        #expect(m.register(1, hart: 0) == 0x10008)
        #expect(reference.harts[0][1] == 0x10008)
        #expect(m.translationCount == 1)
    }

    /// A loop that stays in its block runs all its passes inside one TB run
    /// (it leaves the TB only at the loop deadline), and retires what the
    /// reference interpreter retires.
    @Test(arguments: policies)
    func selfLoopsRunInsideOneTBRun(compilation: Compilation) throws {
        let words: [UInt32] = [
            0x0640_0293,  // li t0, 100
            0xfff2_8293,  // loop: addi t0, t0, -1
            0xfe02_9ee3,  // bnez t0, loop (the start of its own block)
            0x05d0_0893,  // li a7, 93
            0x02a2_8513,  // addi a0, t0, 42
            0x0000_0073,  // ecall (exit)
        ]
        let m = try TranslatingMachine(image: Self.image(words), compilation: compilation)
        let exit = try m.run(instructionLimit: 100_000)
        let reference = try ReferenceInterpreter(image: Self.image(words)).run(instructionLimit: 100_000)
        #expect(exit.code == 42)
        #expect(exit.instructions == reference.instructions)
        #expect(reference.instructions == 1 + 2 * 100 + 3)
        let s = m.runtime.statistics
        #expect(s.interpretedRuns + s.wasmRuns <= 3, "one run per block, not one per pass")
    }

    /// Loops that never leave their block stop at the limit on every engine
    /// (the Wasm interpreter has no step limit: the TB leaves the loop once
    /// the hart's instret reaches the loop deadline, the limit).
    @Test(arguments: policies)
    func infiniteLoopsStopAtTheLimit(compilation: Compilation) throws {
        let loops: [[UInt32]] = [
            [0x0000_006f],  // j .
            [0x0000_0297, 0x0002_8067],  // auipc t0, 0; jr t0 (jumps back to the start of its block)
            [0x0010_0293, 0xfe02_9ee3],  // li t0, 1; bnez t0, -4 (back to the start of its block)
        ]
        for words in loops {
            let m = try TranslatingMachine(image: Self.image(words), compilation: compilation)
            #expect(throws: GuestFault.instructionLimitReached(limit: 1000)) {
                try m.run(instructionLimit: 1000)
            }
        }
    }
}

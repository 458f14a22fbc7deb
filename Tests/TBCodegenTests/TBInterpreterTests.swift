import TestSupport
import Testing

@testable import TBCodegen

@Suite struct TBInterpreterTests {
    @Test func countedLoopSumsOneToTen() throws {
        // r0 = sum of 1...10 using a backward brcond.
        let tb = try TranslationBlock(
            parsing: """
                movi r0, 0
                movi r1, 10
                movi r2, 1
                movi r3, 0
                loop:
                add r0, r0, r1
                sub r1, r1, r2
                brcond ne r1, r3, loop
                exit_tb 0x55
                """)
        let (r, result) = try runTB(tb)
        #expect(r[.r0] == 55)
        #expect(result == 0x55)
    }

    @Test func exitAndGotoWriteNextTB() throws {
        let mem = TestMemory()
        try mem.initializeContext()
        try mem.store(.u64, 0xDEAD, TestMemory.ctx + 16)
        let exit = try TranslationBlock(parsing: ".pc 0x100\nexit_tb 7")
        let (_, v) = try runTB(exit, memory: mem)
        #expect(v == 7)
        #expect(try mem.load(.u64, TestMemory.ctx + 16) == 0)
        #expect(try mem.load(.u32, TestMemory.ctx + 24) == 0, "do_init is cleared")

        let goto = try TranslationBlock(parsing: ".pc 0x100\ngoto_tb 0x2000")
        let (_, g) = try runTB(goto, memory: mem)
        #expect(g == 0)
        #expect(try mem.load(.u64, TestMemory.ctx + 16) == 0x2000)

        let ptr = try TranslationBlock(parsing: ".pc 0x100\nmovi r3, 0x3000\ngoto_ptr r3")
        _ = try runTB(ptr, memory: mem)
        #expect(try mem.load(.u64, TestMemory.ctx + 16) == 0x3000)

        let fallOff = try TranslationBlock(parsing: "movi r1, 1")
        _ = try runTB(fallOff, memory: mem)
        #expect(try mem.load(.u64, TestMemory.ctx + 16) == 0)
    }

    @Test func gotoTBToItselfRestartsTheBlock() throws {
        // Runs the block r15 times via goto_tb to its own pc.
        let tb = try TranslationBlock(
            parsing: """
                .pc 0x500
                movi r1, 1
                add r0, r0, r1
                sub r15, r15, r1
                movi r2, 0
                brcond eq r15, r2, done
                goto_tb 0x500
                done:
                exit_tb 1
                """)
        let (r, _) = try runTB(tb, [.r15: 5])
        #expect(r[.r0] == 5)
    }

    @Test func stepLimitStopsEndlessLoops() throws {
        let tb = try TranslationBlock(parsing: "l:\nbr l")
        let mem = TestMemory()
        try mem.initializeContext()
        var regs = TBRegisters()
        #expect {
            _ = try TBInterpreter.run(
                tb, memory: mem.memory, context: TestMemory.ctx, registers: &regs, helpers: [:],
                stepLimit: 1000)
        } throws: { ($0 as? TBInterpreterError)?.reason == .stepLimitExceeded(1000) }
    }

    @Test func envLoadsAndStoresUseTheContextsEnvPointer() throws {
        let mem = TestMemory()
        try mem.initializeContext()
        try mem.store(.u64, 0x8877_6655_4433_2211, TestMemory.env + 8)
        let tb = try TranslationBlock(
            parsing: """
                ld8s r0, env+15
                ld16u r1, env+8
                ld32s r2, env+12
                ld64 r3, env+8
                movi r4, 0xAABBCCDD
                st16 r4, env+32
                st64 r3, env+40
                """)
        let (r, _) = try runTB(tb, memory: mem)
        #expect(r[.r0] == UInt64(bitPattern: -0x78))
        #expect(r[.r1] == 0x2211)
        #expect(r[.r2] == UInt64(bitPattern: Int64(Int32(bitPattern: 0x8877_6655))))
        #expect(r[.r3] == 0x8877_6655_4433_2211)
        #expect(try mem.load(.u32, TestMemory.env + 32) == 0xCCDD)
        #expect(try mem.load(.u64, TestMemory.env + 40) == 0x8877_6655_4433_2211)
    }

    @Test func guestAccessMissesOnceThenHitsTheTLB() throws {
        let mem = TestMemory()
        try mem.initializeContext()
        let log = HelperLog()
        try mem.store(.u64, 0x0102_0304_0506_0708, TestMemory.ramHost + 0x10)
        let tb = try TranslationBlock(
            parsing: """
                movi r1, 0x40000
                qemu_ld64 r2, [r1+16]
                qemu_ld16s r3, [r1+22]
                movi r4, 0xFFEE
                qemu_st16 r4, [r1+0x20]
                qemu_ld32u r5, [r1+17]
                exit_tb 0
                """)
        let (r, _) = try runTB(tb, memory: mem, helpers: log.helpers(mmu: mem.mmu))
        #expect(r[.r2] == 0x0102_0304_0506_0708)
        #expect(r[.r3] == 0x0102)
        #expect(r[.r5] == 0x0405_0607)
        #expect(try mem.load(.u16, TestMemory.ramHost + 0x20) == 0xFFEE)
        // First load misses (fills the entry); the aligned ones then hit; the unaligned one takes the slow path.
        #expect(log.calls.map(\.0) == ["qemu_ld", "qemu_ld"])
        #expect(log.calls[0].1 == [TestMemory.ctx, 0x40010, 3])
        #expect(log.calls[1].1 == [TestMemory.ctx, 0x40011, 2])
        let entry = TestMemory.tlb + (0x40 & 255) * 32
        #expect(try mem.load(.u64, entry) == 0x40000)
        #expect(try mem.load(.u64, entry + 16) == TestMemory.ramHost &- TestMemory.ramGuest)
    }

    @Test func guestAccessOutsideRAMFaultsInTheSlowPath() throws {
        let tb = try TranslationBlock(parsing: "movi r1, 0x90000\nqemu_ld8u r2, [r1]")
        // A one-byte load at 0x90000, past the 16 KiB of guest RAM at 0x40000.
        #expect(throws: TBGuestFault(.outsideGuestRAM, address: 0x90000, byteCount: 1)) { _ = try runTB(tb) }
    }

    @Test func helpersReceiveArgumentsAndReturnResults() throws {
        let tb = try TranslationBlock(
            parsing: """
                movi r1, 3
                movi r2, 4
                call h_mix r0 <- r1, r2
                call h_sink r0
                call h_six r5 <- r1, r2, r1, r2, r1, r2
                call h_const r6 <-
                """)
        let log = HelperLog()
        let mem = TestMemory()
        try mem.initializeContext()
        let (r, _) = try runTB(tb, memory: mem, helpers: log.helpers(mmu: mem.mmu))
        #expect(r[.r0] == (3 ^ 8) + 0x123_4567)
        #expect(r[.r5] == 3 + 8 + 9 + 16 + 15 + 24)
        #expect(r[.r6] == 0x5A5A)
        #expect(log.calls.map(\.0) == ["h_mix", "h_sink", "h_six", "h_const"])
        #expect(log.calls[1].1 == [(3 ^ 8) + 0x123_4567])
    }

    @Test func missingHelperAndOutOfBoundsAreTypedErrors() throws {
        let call = try TranslationBlock(parsing: "call nothere")
        #expect { _ = try runTB(call) } throws: {
            ($0 as? TBInterpreterError)?.reason == .missingHelper("nothere")
        }
        let mem = TestMemory()
        try mem.initializeContext()
        try mem.store(.u64, 0x1_0000_0000, TestMemory.ctx)  // env far outside memory
        let ld = try TranslationBlock(parsing: "movi r1, 1\nld64 r0, env+8")
        #expect {
            _ = try runTB(ld, memory: mem)
        } throws: {
            guard let e = $0 as? TBInterpreterError, case .trap(let t) = e.reason else { return false }
            return e.opIndex == 1 && t.address == 0x1_0000_0000 && t.offset == 8
        }
        // The memory stays usable afterwards.
        try mem.store(.u64, TestMemory.env, TestMemory.ctx)
        #expect(try runTB(ld, memory: mem).1 == 0)
    }

    @Test func thirtyTwoBitAddressingWrapsLikeI32WrapI64() throws {
        let mem = TestMemory()
        try mem.initializeContext()
        try mem.store(.u64, 0xFFFF_FFFF_0000_1000, TestMemory.ctx)  // env with garbage high bits
        try mem.store(.u64, 42, 0x1008)
        let tb = try TranslationBlock(parsing: "ld64 r0, env+8")
        var regs = TBRegisters()
        var wrapped = mem.memory
        wrapped.wrapsAddressesTo32Bits = true
        _ = try TBInterpreter.run(
            tb, memory: wrapped, context: TestMemory.ctx, registers: &regs, helpers: [:])
        #expect(regs[.r0] == 42)
        #expect(throws: TBInterpreterError.self) { _ = try runTB(tb, memory: mem) }
    }

    @Test func randomTBsTerminateOnTheInterpreter() throws {
        var gen = RandomTBGenerator(seed: 2024)
        var helperCalls = 0
        for _ in 0..<40 {
            let tb = gen.next()
            let mem = TestMemory()
            try mem.initializeContext()
            let log = HelperLog()
            var regs = gen.initialRegisters()
            _ = try TBInterpreter.run(
                tb, memory: mem.memory, context: TestMemory.ctx, registers: &regs,
                helpers: log.helpers(mmu: mem.mmu), stepLimit: 100_000)
            helperCalls += log.calls.count
        }
        #expect(helperCalls > 40)
    }

    @Test func preparedProgramRunsRepeatedlyAndReportsMissingHelpersUpFront() throws {
        let tb = try TranslationBlock(parsing: "movi r1, 3\nadd r0, r0, r1\ncall h_sink r0\nexit_tb 9")
        let log = HelperLog()
        let mem = TestMemory()
        try mem.initializeContext()
        let program = try TBInterpreter.Program(tb, helpers: log.helpers(mmu: mem.mmu))
        var regs = TBRegisters()
        for _ in 0..<4 {
            #expect(try program.run(memory: mem.memory, context: TestMemory.ctx, registers: &regs) == 9)
        }
        #expect(regs[.r0] == 12)
        #expect(log.calls.map { $0.1 } == [[3], [6], [9], [12]])
        #expect(throws: TBInterpreterError(.missingHelper("h_sink"), opIndex: -1)) {
            _ = try TBInterpreter.Program(tb, helpers: [:])
        }
    }

    @Test func generatorCoversEveryOpFamily() {
        var gen = RandomTBGenerator(seed: 5)
        var families = Set<String>()
        for _ in 0..<60 {
            for op in gen.next().ops {
                let name: String
                switch op {
                case .binary(let o, let w, _, _, _): name = "\(o)\(w)"
                case .unary(let o, let w, _, _): name = "\(o)\(w)"
                case .setcond(_, let w, _, _, _): name = "setcond\(w)"
                case .negsetcond(_, let w, _, _, _): name = "negsetcond\(w)"
                case .movcond(_, let w, _, _, _, _, _): name = "movcond\(w)"
                default: name = String("\(op)".prefix(while: { $0 != "(" }))
                }
                families.insert(name)
            }
        }
        var expected: [String] = [
            "mov", "movi", "extend", "extract", "loadEnv", "storeEnv", "guestLoad", "guestStore", "setLabel",
            "brcond", "call", "gotoTB", "gotoPtr", "exitTB", "mb",
        ]
        for w in TBWidth.allCases {
            for o in TBBinaryOp.allCases { expected.append("\(o)\(w)") }
            for o in TBUnaryOp.allCases { expected.append("\(o)\(w)") }
            expected += ["setcond\(w)", "negsetcond\(w)", "movcond\(w)"]
        }
        #expect(
            Set(expected).subtracting(families).isEmpty,
            "never generated: \(Set(expected).subtracting(families))")
    }

    @Test func generatorIsDeterministicPerSeed() {
        var a = RandomTBGenerator(seed: 99)
        var b = RandomTBGenerator(seed: 99)
        var c = RandomTBGenerator(seed: 100)
        let ta = (0..<5).map { _ in a.next() }
        #expect(ta == (0..<5).map { _ in b.next() })
        #expect(ta != (0..<5).map { _ in c.next() })
    }
}

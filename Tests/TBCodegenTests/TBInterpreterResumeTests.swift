import TBCodegen
import Testing

/// The reference interpreter stopped after a helper call and resumed at its op
/// index: the TB runtime's IR engine relies on exactly this.
@Suite struct TBInterpreterResumeTests {
    /// env[0] += 1; r4 = h(r1); r5 = r4 + r4; exit_tb 3. The call is op 4.
    static func counterAroundACall() throws -> TranslationBlock {
        try buildTB(pc: 0x100) { b in
            b.loadEnv(.u64, .r1, offset: 0)
            b.movi(.r9, 1)
            b.add(.r1, .r1, .r9)
            b.storeEnv(.u64, .r1, offset: 0)
            b.callHelper("h", args: [.r1], result: .r4)
            b.add(.r5, .r4, .r4)
            b.exitTB(3)
        }
    }

    @Test func aSuspendedRunResumesAtTheCallAndRunsTheCodeBeforeItOnce() throws {
        let mem = TestMemory()
        try mem.initializeContext()
        let calls = Box(0)
        let program = try TBInterpreter.Program(
            Self.counterAroundACall(),
            helpers: [
                "h": { args in
                    calls.value += 1
                    return args[0] &+ 100
                }
            ])
        var registers = TBRegisters()
        let first = try program.run(
            memory: mem.memory, context: TestMemory.ctx, registers: &registers, resumingAt: nil,
            suspendsAfterHelper: { calls.value == 1 })
        #expect(first == .suspended(atOp: 4))
        #expect(registers[.r4] == 0, "the result of the interrupted call is not written")
        #expect(try mem.load(.u64, TestMemory.env) == 1)
        #expect(try mem.load(.u32, TestMemory.ctx + 24) == 0, "a normal entry clears do_init")
        // A resumption leaves do_init alone (a rewind does not set it).
        try mem.store(.u32, 5, TestMemory.ctx + 24)
        let second = try program.run(
            memory: mem.memory, context: TestMemory.ctx, registers: &registers, resumingAt: 4,
            suspendsAfterHelper: { false })
        #expect(second == .finished(3))
        #expect(calls.value == 2, "the interrupted helper is called again on resumption")
        #expect(try mem.load(.u64, TestMemory.env) == 1, "the code before the call ran once")
        #expect(registers[.r4] == 101)
        #expect(registers[.r5] == 202)
        #expect(try mem.load(.u32, TestMemory.ctx + 24) == 5)
    }

    /// Resuming at a guest load goes straight to its slow path, even though the
    /// slow path that ran before the suspension filled the TLB (as the Wasm
    /// code's block n + 1 starts with the helper call).
    @Test func resumingAtAGuestAccessTakesTheSlowPath() throws {
        let mem = TestMemory()
        try mem.initializeContext()
        let address = TestMemory.ramGuest + 0x10
        try mem.store(.u64, 0x1122_3344_5566_7788, TestMemory.ramHost + 0x10)
        let tb = try buildTB(pc: 0x100) { b in
            b.movi(.r1, address)
            b.guestLoad(.u64, .r2, address: .r1)
            b.guestLoad(.u64, .r3, address: .r1)
            b.exitTB(0)
        }
        let slowPaths = Box(0)
        var helpers = mem.mmu.helpers
        let load = try #require(helpers[TBHelperSignature.guestLoadSlowPath.name])
        helpers[TBHelperSignature.guestLoadSlowPath.name] = { args in
            slowPaths.value += 1
            return try load(args)
        }
        let program = try TBInterpreter.Program(tb, helpers: helpers)
        var registers = TBRegisters()
        let first = try program.run(
            memory: mem.memory, context: TestMemory.ctx, registers: &registers, resumingAt: nil,
            suspendsAfterHelper: { true })
        #expect(first == .suspended(atOp: 1))
        let second = try program.run(
            memory: mem.memory, context: TestMemory.ctx, registers: &registers, resumingAt: 1,
            suspendsAfterHelper: { false })
        #expect(second == .finished(0))
        #expect(slowPaths.value == 2, "the resumed load called its slow path; the next load hit the TLB")
        #expect(registers[.r2] == 0x1122_3344_5566_7788)
        #expect(registers[.r3] == 0x1122_3344_5566_7788)
    }

    @Test func resumingAnywhereButAHelperCallThrows() throws {
        let mem = TestMemory()
        try mem.initializeContext()
        let program = try TBInterpreter.Program(Self.counterAroundACall(), helpers: ["h": { _ in 0 }])
        for point in [-1, 0, 3, 5, 99] {
            var registers = TBRegisters()
            #expect(throws: TBInterpreterError(.badResumePoint(point), opIndex: point)) {
                try program.run(
                    memory: mem.memory, context: TestMemory.ctx, registers: &registers, resumingAt: point,
                    suspendsAfterHelper: { false })
            }
        }
        #expect(try mem.load(.u64, TestMemory.env) == 0, "nothing ran")
    }

    @Test func tooFewResolvedHelpersThrow() throws {
        #expect(throws: TBInterpreterError(.missingHelper("h"), opIndex: -1)) {
            try TBInterpreter.Program(Self.counterAroundACall(), resolvedHelpers: [])
        }
    }
}

/// A mutable box a helper closure and the test share.
final class Box<Value> {
    var value: Value
    init(_ value: Value) { self.value = value }
}

import Foundation
import TestSupport
import Testing
import WasmBinary

@testable import TBCodegen

@Suite struct TBEmitterTests {
    static let sample = try! TranslationBlock(parsing: TBTextTests.sample)

    /// A generator whose TBs keep their registers in env, so memory shows them.
    static func generator(seed: UInt64) -> RandomTBGenerator {
        var config = RandomTBGenerator.Configuration()
        config.spillsRegisters = true
        config.guestBase = TestMemory.ramGuest
        config.guestSize = TestMemory.ramSize
        return RandomTBGenerator(seed: seed, configuration: config)
    }

    @Test func moduleHasTheTCGBackendsShape() throws {
        let tb = Self.sample
        let m = TBEmitter.module(for: tb)
        #expect(m.types[0] == FunctionType(parameters: [.i64], results: [.i64]))
        #expect(m.types[1] == FunctionType(parameters: [], results: [.i32]))
        #expect(m.types.count == 2 + tb.helpers.count)
        #expect(m.types[2] == FunctionType(parameters: [.i64, .i64, .i64], results: [.i64]))  // qemu_ld
        #expect(m.types[3] == FunctionType(parameters: [.i64, .i64, .i64, .i64], results: []))  // qemu_st
        #expect(
            m.imports.map { "\($0.module).\($0.name)" } == ["env.memory", "helper.u"]
                + (0..<6).map { "helper.\($0)" })
        #expect(m.globals.count == 17)
        #expect(m.globals.allSatisfy { $0.type == GlobalType(valueType: .i64, isMutable: true) })
        #expect(m.exports == [Export(name: "start", descriptor: .function(7))])
        #expect(m.functions == [0])
        #expect(m.tables.isEmpty && m.memories.isEmpty && m.data.isEmpty && m.start == nil)
    }

    /// The section ids of an encoded module, read straight from the bytes.
    func sectionIDs(_ bytes: [UInt8]) -> [UInt8] {
        var ids: [UInt8] = []
        var i = 8
        while i < bytes.count {
            ids.append(bytes[i])
            i += 1
            var size = 0
            var shift = 0
            while true {
                let b = bytes[i]
                i += 1
                size |= Int(b & 0x7F) << shift
                shift += 7
                if b & 0x80 == 0 { break }
            }
            i += size
        }
        return ids
    }

    @Test func binaryHasTheTCGBackendsSectionOrderAndMemoryLimits() {
        let b64 = TBEmitter.binary(for: Self.sample)
        #expect(sectionIDs(b64) == [1, 2, 3, 6, 7, 10])
        // "memory", kind 2, flags 0x07, min 0, max 262144 pages (LEB128 80 80 10) - the bytes QEMU's Wasm TCG backend emits.
        let mem64: [UInt8] = [6] + Array("memory".utf8) + [0x02, 0x07, 0x00, 0x80, 0x80, 0x10]
        #expect(b64.firstRange(of: mem64) != nil)
        let b32 = TBEmitter.binary(for: Self.sample, addressing: .memory32)
        let mem32: [UInt8] = [6] + Array("memory".utf8) + [0x02, 0x03, 0x00, 0x80, 0x80, 0x04]
        #expect(b32.firstRange(of: mem32) != nil)
        // helper.u is function 0 with type 1.
        let u: [UInt8] = [6] + Array("helper".utf8) + [1, UInt8(ascii: "u"), 0x00, 0x01]
        #expect(b64.firstRange(of: u) != nil)
    }

    @Test func everyHelperCallStartsABlockAndIsFollowedByTheUnwindingCheck() throws {
        let tb = try TranslationBlock(parsing: "movi r1, 5\ncall f r2 <- r1\nexit_tb 0")
        let body = TBEmitter.module(for: tb, layout: .globals).codes[0].body
        let call = try #require(body.firstIndex(of: .call(functionIndex: 1)))
        // Block 0 ends by storing 1 into BLOCK_IDX; block 1 is entered when BLOCK_IDX <= 1 and begins with the call.
        #expect(
            Array(body[(call - 8)..<call]) == [
                .i64Const(1), .globalSet(16), .end, .globalGet(16), .i64Const(1), .numeric(.i64LeU),
                .if(.empty),
                .globalGet(1),
            ])
        #expect(
            Array(body[(call + 1)...(call + 7)]) == [
                .call(functionIndex: 0), .numeric(.i32Eqz), .if(.empty), .i64Const(0), .return, .end,
                .globalSet(2),
            ])
    }

    @Test func prologueHonoursDoInit() {
        let body = TBEmitter.module(for: Self.sample, layout: .globals).codes[0].body
        let prologue: [Instruction] = [
            .localGet(0), .load(.i64Load, MemArg(align: 3, offset: 0)), .localSet(1),
            .localGet(0), .load(.i64Load, MemArg(align: 3, offset: 8)), .localSet(2),
            .localGet(0), .load(.i32Load, MemArg(align: 2, offset: 24)), .i32Const(0), .numeric(.i32Ne),
            .if(.empty),
            .i64Const(0), .globalSet(16), .localGet(0), .i32Const(0),
            .store(.i32Store, MemArg(align: 2, offset: 24)),
            .end, .loop(.empty), .globalGet(16), .numeric(.i64Eqz), .if(.empty),
        ]
        #expect(Array(body.prefix(prologue.count)) == prologue)
    }

    @Test func localsLayoutCallsKeepTheBlockProtocolInLocals() throws {
        // r1 and r2 get locals 6 and 7 (first mention); the block index is local 5.
        let tb = try TranslationBlock(parsing: "movi r1, 5\ncall f r2 <- r1\nexit_tb 0")
        let body = TBEmitter.module(for: tb, layout: .locals).codes[0].body
        let call = try #require(body.firstIndex(of: .call(functionIndex: 1)))
        #expect(
            Array(body[(call - 8)..<call]) == [
                .i64Const(1), .localSet(5), .end, .localGet(5), .i64Const(1), .numeric(.i64LeU), .if(.empty),
                .localGet(6),
            ])
        // An unwinding helper leaves through the epilogue ($unwound: the block,
        // the loop and $exit lie between); the result is stored only after the check.
        #expect(
            Array(body[(call + 1)...(call + 4)]) == [
                .call(functionIndex: 0), .numeric(.i32Eqz), .brIf(depth: 3), .localSet(7),
            ])
        // The epilogue of an unwind: the registers, then the block index (naming the call's block) into the globals.
        #expect(
            Array(body.suffix(8)) == [
                .localGet(6), .globalSet(1), .localGet(7), .globalSet(2), .localGet(5), .globalSet(16),
                .i64Const(0),
            ] + [.end])
    }

    @Test func localsLayoutPrologueLoadsTheResumeIndexAndTheRegisters() throws {
        // Locals by first mention (r3: 6, r0: 7), loaded in register order.
        let tb = try TranslationBlock(parsing: "movi r3, 5\nadd r0, r3, r3\nexit_tb 0")
        let body = TBEmitter.module(for: tb, layout: .locals).codes[0].body
        let prologue: [Instruction] = [
            .localGet(0), .load(.i64Load, MemArg(align: 3, offset: 0)), .localSet(1),
            .localGet(0), .load(.i64Load, MemArg(align: 3, offset: 8)), .localSet(2),
            .localGet(0), .load(.i32Load, MemArg(align: 2, offset: 24)), .i32Const(0), .numeric(.i32Ne),
            .if(.empty),
            .i64Const(0), .localSet(5), .localGet(0), .i32Const(0),
            .store(.i32Store, MemArg(align: 2, offset: 24)),
            .else, .globalGet(16), .localSet(5),
            .end, .globalGet(0), .localSet(7), .globalGet(3), .localSet(6),
            .block(.empty), .block(.value(.i64)), .loop(.empty), .localGet(5), .numeric(.i64Eqz), .if(.empty),
        ]
        #expect(Array(body.prefix(prologue.count)) == prologue)
    }

    @Test func localsLayoutTouchesGlobalsOnlyInPrologueAndEpilogue() throws {
        var gen = Self.generator(seed: 13)
        for tb in [Self.sample] + (0..<20).map({ _ in gen.next() }) {
            var mentioned = Set<TBReg>()
            for op in tb.ops { op.forEachRegister { mentioned.insert($0) } }
            let body = TBEmitter.module(for: tb, layout: .locals).codes[0].body
            let gets = body.filter { if case .globalGet = $0 { true } else { false } }.count
            let sets = body.filter { if case .globalSet = $0 { true } else { false } }.count
            // Prologue: BLOCK_IDX and each mentioned register once; two epilogues (exit, unwind) write the
            // registers back, and the unwind one BLOCK_IDX.
            #expect(gets == 1 + mentioned.count)
            #expect(sets == 1 + 2 * mentioned.count)
        }
    }

    @Test func localsLayoutForwardsEnvWordsWithinABlock() throws {
        func envLoads(_ text: String) throws -> [UInt64] {
            let tb = try TranslationBlock(parsing: text)
            return TBEmitter.module(for: tb, layout: .locals).codes[0].body.compactMap {
                if case .load(.i64Load, let m) = $0, m.offset >= 32 { m.offset } else { nil }
            }
        }
        // Loaded, then stored from another register: both reloads become copies.
        #expect(
            try envLoads("ld64 r1, env+40\nadd r2, r1, r1\nst64 r2, env+48\nld64 r3, env+40\nld64 r4, env+48")
                == [40])
        // The holder is overwritten, a store overlaps the word, a guest store may alias env,
        // a helper call starts a block: each makes the next load real.
        #expect(try envLoads("ld64 r1, env+40\nmovi r1, 3\nld64 r3, env+40") == [40, 40])
        #expect(try envLoads("ld64 r1, env+40\nst8 r2, env+47\nld64 r3, env+40") == [40, 40])
        #expect(
            try envLoads("ld64 r1, env+40\nmovi r5, 0x40000\nqemu_st8 r2, [r5]\nld64 r3, env+40") == [40, 40])
        #expect(try envLoads("ld64 r1, env+40\ncall f\nld64 r3, env+40") == [40, 40])
        #expect(try envLoads("ld64 r1, env+40\nl:\nld64 r3, env+40\nbr l") == [40, 40])
        // The globals layout is QEMU's, op for op.
        let tb = try TranslationBlock(parsing: "ld64 r1, env+40\nld64 r3, env+40")
        #expect(
            TBEmitter.module(for: tb, layout: .globals).codes[0].body.filter {
                $0 == .load(.i64Load, MemArg(align: 3, offset: 40))
            }.count == 2)
    }

    @Test func emittedModulesPassOurValidator() throws {
        var gen = Self.generator(seed: 11)
        for tb in [Self.sample] + (0..<40).map({ _ in gen.next() }) {
            for addressing in [TBEmitter.Addressing.memory64, .memory32] {
                for layout in TBEmitter.StateLayout.allCases {
                    let m = TBEmitter.module(for: tb, addressing: addressing, layout: layout)
                    try m.validate()
                    #expect(try Module(decoding: m.encoded()) == m)
                }
            }
        }
    }

    @Test func emittedModulesPassWasmValidate() throws {
        guard let tool = ExternalTool.findOrSkip("wasm-validate") else { return }
        let dir = try ExternalTool.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var gen = Self.generator(seed: 12)
        for (i, tb) in ([Self.sample] + (0..<15).map({ _ in gen.next() })).enumerated() {
            for addressing in [TBEmitter.Addressing.memory64, .memory32] {
                for layout in TBEmitter.StateLayout.allCases {
                    let url = dir.appendingPathComponent("tb\(i)-\(addressing)-\(layout).wasm")
                    try Data(TBEmitter.binary(for: tb, addressing: addressing, layout: layout)).write(to: url)
                    let out = try ExternalTool.run(tool, ["--enable-memory64", "--enable-threads", url.path])
                    #expect(out.status == 0, "TB \(i) \(addressing) \(layout): \(out.stderrText)")
                }
            }
        }
    }

    /// Runs a TB on the reference interpreter over a fresh memory image; returns the outcome in node's terms.
    static func reference(_ tb: TranslationBlock, initial: [UInt8], wraps: Bool) -> NodeHarness.Outcome {
        let mem = TestMemory()
        mem.buffer.copyBytes(from: initial)
        let log = HelperLog()
        var regs = TBRegisters()
        var memory = mem.memory
        memory.wrapsAddressesTo32Bits = wraps
        var mmu = mem.mmu
        mmu.memory = memory
        var result: UInt64?
        var error: String?
        do {
            result = try TBInterpreter.run(
                tb, memory: memory, context: TestMemory.ctx, registers: &regs, helpers: log.helpers(mmu: mmu),
                stepLimit: 1_000_000)
        } catch let e {
            error = "\(e)"
        }
        return NodeHarness.Outcome(
            result: result, error: error, calls: log.calls.map { [$0.0] + $0.1.map { "\($0)" } },
            memory: mem.bytes)
    }

    static func initialImage(_ gen: inout RandomTBGenerator) throws -> [UInt8] {
        let mem = TestMemory()
        try mem.initializeContext()
        let regs = gen.initialRegisters()
        for r in TBReg.allCases {
            try mem.store(
                .u64, regs[r],
                TestMemory.env + UInt64(gen.configuration.registerFileOffset) + 8 * UInt64(r.index))
        }
        for i in stride(from: 0, to: gen.configuration.envSize, by: 8) {
            try mem.store(.u64, gen.nextRandom(), TestMemory.env + UInt64(i))
        }
        for i in stride(from: 0, to: TestMemory.ramSize, by: 8) {
            try mem.store(.u64, gen.nextRandom(), TestMemory.ramHost + i)
        }
        return mem.bytes
    }

    /// The first offset where two memory images differ (or a size mismatch), as text; nil if equal.
    func firstDifference(_ a: [UInt8], _ b: [UInt8]) -> String? {
        guard a.count == b.count else { return "sizes \(a.count) and \(b.count)" }
        guard let i = a.indices.first(where: { a[$0] != b[$0] }) else { return nil }
        return "offset 0x\(String(i, radix: 16)): \(a[i]) vs \(b[i])"
    }

    @Test(arguments: [TBEmitter.Addressing.memory64, .memory32], TBEmitter.StateLayout.allCases)
    func nodeAgreesWithTheReferenceInterpreterOnRandomTBs(
        addressing: TBEmitter.Addressing, layout: TBEmitter.StateLayout
    ) throws {
        guard let node = ExternalTool.findOrSkip("node") else { return }
        let dir = try ExternalTool.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var gen = Self.generator(seed: addressing == .memory64 ? 64 : 32)
        var slowCalls = 0
        for i in 0..<25 {
            let tb = gen.next()
            let image = try Self.initialImage(&gen)
            let expected = Self.reference(tb, initial: image, wraps: addressing == .memory32)
            let got = try NodeHarness.run(
                node: node, wasm: TBEmitter.binary(for: tb, addressing: addressing, layout: layout),
                image: image,
                tb: tb, memory64: addressing == .memory64, in: dir)
            #expect(expected.error == nil, "TB \(i): \(expected.error ?? "")")
            #expect(got.error == nil, "TB \(i): \(got.error ?? "")")
            #expect(got.result == expected.result, "TB \(i) result")
            #expect(got.calls == expected.calls, "TB \(i) helper calls")
            #expect(firstDifference(got.memory, expected.memory) == nil, "TB \(i) memory\n\(tb.text)")
            slowCalls += expected.calls.filter { $0[0].hasPrefix("qemu_") }.count
        }
        #expect(slowCalls > 0)
    }

    /// Block-structure corner cases: empty TBs, labels first and last, calls and guest accesses at the edges.
    static let cornerCases: [String] = [
        "",
        "exit_tb 5",
        "start:\nmovi r1, 1\nadd r0, r0, r1\nmovi r2, 4\nbrcond ltu r0, r2, start\nst64 r0, env",
        "call h_const r1 <-\nst64 r1, env\nbr end\nmovi r1, 7\nst64 r1, env\nend:",
        "movi r4, 0x40008\nmovi r5, 0x55\nqemu_st8 r5, [r4]\nqemu_ld8u r6, [r4]\nqemu_ld8u r7, [r4]\nst64 r7, env",
        "a:\nb:\nc:\nmovi r1, 3\nbrcond eq r1, r2, a\nexit_tb 2",
        ".pc 0x700\nld64 r15, env+8\nmovi r1, 1\nsub r15, r15, r1\nst64 r15, env+8\nbrcond ne r15, r0, again\nexit_tb 3\n"
            + "again:\nmovi r3, 0x700\ngoto_ptr r3",
        "movi r1, 0x40ffe\nqemu_ld32u r2, [r1]\nqemu_st16 r2, [r1-1]\ncall h_sink r2\ngoto_tb 0x123",
    ]

    @Test func cornerCaseTBsValidateAndAgreeWithTheInterpreter() throws {
        let node = ExternalTool.find("node")
        if node == nil { print("skipped: node not installed") }
        let dir = try ExternalTool.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let mem = TestMemory()
        try mem.initializeContext()
        try mem.store(.u64, 3, TestMemory.env + 8)
        let image = mem.bytes
        for (i, text) in Self.cornerCases.enumerated() {
            let tb = try TranslationBlock(parsing: text)
            for addressing in [TBEmitter.Addressing.memory64, .memory32] {
                for layout in TBEmitter.StateLayout.allCases {
                    try TBEmitter.module(for: tb, addressing: addressing, layout: layout).validate()
                }
            }
            guard let node else { continue }
            let expected = Self.reference(tb, initial: image, wraps: false)
            for layout in TBEmitter.StateLayout.allCases {
                let got = try NodeHarness.run(
                    node: node, wasm: TBEmitter.binary(for: tb, layout: layout), image: image, tb: tb,
                    memory64: true, in: dir)
                #expect(
                    expected.error == nil && got.error == nil,
                    "case \(i) \(layout): \(expected.error ?? "") \(got.error ?? "")")
                #expect(got.result == expected.result, "case \(i) \(layout)")
                #expect(got.calls == expected.calls, "case \(i) \(layout)")
                #expect(firstDifference(got.memory, expected.memory) == nil, "case \(i) \(layout)")
            }
        }
    }

    @Test(arguments: TBEmitter.StateLayout.allCases)
    func rewindResumesAtTheInterruptedCall(layout: TBEmitter.StateLayout) throws {
        guard let node = ExternalTool.findOrSkip("node") else { return }
        let dir = try ExternalTool.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var gen = Self.generator(seed: 777)
        var rewinds = 0
        for i in 0..<15 {
            let tb = gen.next()
            let image = try Self.initialImage(&gen)
            let expected = Self.reference(tb, initial: image, wraps: false)
            guard expected.calls.count > 0 else { continue }
            // Unwind at a call in the middle; the rewound TB must redo exactly that call and finish identically.
            let k = 1 + Int(gen.nextRandom() % UInt64(expected.calls.count))
            let got = try NodeHarness.run(
                node: node, wasm: TBEmitter.binary(for: tb, layout: layout), image: image, tb: tb,
                memory64: true, in: dir, unwindAtCall: k)
            #expect(got.error == nil, "TB \(i): \(got.error ?? "")")
            #expect(got.rewinds == 1, "TB \(i)")
            #expect(got.result == expected.result, "TB \(i) result")
            #expect(got.calls == expected.calls, "TB \(i) helper calls")
            #expect(firstDifference(got.memory, expected.memory) == nil, "TB \(i) memory\n\(tb.text)")
            rewinds += got.rewinds
        }
        #expect(rewinds > 5)
    }
}

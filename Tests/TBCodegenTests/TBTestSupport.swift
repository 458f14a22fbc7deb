import TBCodegen
import TestSupport

/// A zeroed linear memory for tests, with the standard layout the differential
/// tests use: context at `ctx`, CPU state at `env`, TLB at `tlb`, guest RAM at
/// `ramHost` (guest address `ramGuest`).
final class TestMemory {
    static let ctx: UInt64 = 0x100
    static let env: UInt64 = 0x1000
    static let tlb: UInt64 = 0x2000
    static let ramHost: UInt64 = 0x1_0000
    static let ramGuest: UInt64 = 0x4_0000
    static let ramSize: UInt64 = 0x4000

    let buffer: UnsafeMutableRawBufferPointer
    var memory: TBMemory { TBMemory(buffer) }

    init(byteCount: Int = 0x2_0000) {
        buffer = .allocate(byteCount: byteCount, alignment: 16)
        buffer.initializeMemory(as: UInt8.self, repeating: 0)
    }

    deinit { buffer.deallocate() }

    var bytes: [UInt8] { Array(buffer) }

    /// Writes the context record and flushes the TLB.
    func initializeContext() throws {
        try TBSoftMMU.initializeContext(memory: memory, at: Self.ctx, env: Self.env, tlb: Self.tlb)
    }

    var mmu: TBSoftMMU {
        TBSoftMMU(memory: memory, guestBase: Self.ramGuest, hostBase: Self.ramHost, byteCount: Self.ramSize)
    }

    func load(_ access: TBMemAccess, _ address: UInt64) throws -> UInt64 {
        try memory.load(access, at: address)
    }
    func store(_ access: TBMemAccess, _ value: UInt64, _ address: UInt64) throws {
        try memory.store(access, value, at: address)
    }
}

/// Records helper calls so two engines' call sequences can be compared.
final class HelperLog {
    var calls: [(String, [UInt64])] = []

    /// The generator's helpers plus the softmmu slow paths, all logging.
    func helpers(mmu: TBSoftMMU) -> [String: TBHelperFunction] {
        var table: [String: TBHelperFunction] = [:]
        for sig in RandomTBGenerator.helperSignatures {
            let name = sig.name
            table[name] = { [unowned self] args in
                self.calls.append((name, args.array))
                return RandomTBGenerator.evaluateHelper(name, args)
            }
        }
        for (name, f) in mmu.helpers {
            table[name] = { [unowned self] args in
                self.calls.append((name, args.array))
                return try f(args)
            }
        }
        return table
    }
}

/// Builds a TB with the builder, failing the test on a build error.
func buildTB(pc: UInt64 = 0, _ body: (inout TBBuilder) -> Void) throws -> TranslationBlock {
    var b = TBBuilder(pc: pc)
    body(&b)
    return try b.finish()
}

/// Runs a TB on the reference interpreter with registers given, returning the final registers.
func runTB(
    _ tb: TranslationBlock, _ regs: [TBReg: UInt64] = [:], memory: TestMemory? = nil,
    helpers: [String: TBHelperFunction] = [:]
) throws -> (TBRegisters, UInt64) {
    let mem = memory ?? TestMemory()
    if memory == nil { try mem.initializeContext() }
    var r = TBRegisters()
    for (k, v) in regs { r[k] = v }
    var table = mem.mmu.helpers
    for (k, v) in helpers { table[k] = v }
    let result = try TBInterpreter.run(
        tb, memory: mem.memory, context: TestMemory.ctx, registers: &r, helpers: table)
    return (r, result)
}

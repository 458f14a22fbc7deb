import Asyncify
import TBCodegen
import Testing
import WasmInterpreter

@testable import TBRuntime

/// Evicted and replaced TB instances are freed: each lives in a store of its
/// own, which nothing but the cache (and a running `call_wasm_tb`) references.
@Suite struct InstanceReleaseTests {
    /// r1 = r0 + pc; exit_tb 1.
    static func tb(pc: UInt64) throws -> TranslationBlock {
        var b = TBBuilder(pc: pc)
        b.movi(.r2, pc)
        b.add(.r1, .r0, .r2)
        b.exitTB(1)
        return try b.finish()
    }

    /// The store of the TB instance at `pc` (a testing hook through `@testable`).
    static func store(of runtime: TBRuntime, at pc: UInt64) -> Store? { runtime.cache[pc]?.instance?.store }

    @Test func evictedInstancesAreFreedSoMemoryStaysBounded() throws {
        let h = try Harness(threshold: 0)
        h.runtime.configuration.instanceCap = 4
        let count = 300
        weak var firstStore: Store?
        var registers = TBRegisters()
        registers[.r0] = 5
        for k in 0..<count {
            let pc = 0x1_0000 + UInt64(k) * 0x10
            h.runtime.install(try Self.tb(pc: pc))
            h.runtime.setRegisters(registers, of: h.cpu)
            #expect(try h.run(pc: pc) == 1)
            #expect(h.runtime.registers(of: h.cpu)[.r1] == 5 + pc)
            if k == 0 { firstStore = Self.store(of: h.runtime, at: pc) }
            // Never more than the cap allocated, whatever the number of TBs compiled so far.
            #expect(h.runtime.allocatedInstanceCount <= 4)
        }
        #expect(h.runtime.statistics.compilations == count)
        #expect(h.runtime.statistics.evictions == count - 4)
        #expect(h.runtime.instanceCount == 4)
        #expect(h.runtime.allocatedInstanceCount == 4)
        #expect(firstStore == nil, "the first evicted instance's store is still alive")
    }

    @Test func replacingATBFreesItsInstance() throws {
        let h = try Harness(threshold: 0)
        h.runtime.install(try Self.tb(pc: 0x100))
        #expect(try h.run(pc: 0x100) == 1)
        weak let old = Self.store(of: h.runtime, at: 0x100)
        #expect(old != nil)
        h.runtime.install(try Self.tb(pc: 0x100))
        #expect(old == nil)
        #expect(h.runtime.allocatedInstanceCount == 0)
        #expect(try h.run(pc: 0x100) == 1)
        #expect(h.runtime.allocatedInstanceCount == 1)
    }

    /// A helper runs other TBs (on a second CPU) whose compilation evicts the
    /// instance that called it: the caller's instance stays alive until its
    /// `start` returns, finishes correctly, and is freed afterwards.
    @Test func aHelperMayEvictTheInstanceThatCalledIt() throws {
        let h = try Harness(threshold: 0)
        h.runtime.configuration.instanceCap = 1
        let other = try h.runtime.makeCPU()
        let runtime = h.runtime
        let allocatedDuringHelper = Box(0)
        runtime.registerHelper("nest") { call, args in
            for k in 0..<3 {
                let pc = 0x2000 + UInt64(k) * 0x10
                runtime.install(try Self.tb(pc: pc))
                _ = try runtime.execute(call.fibers, cpu: other, pc: pc)
            }
            allocatedDuringHelper.value = runtime.allocatedInstanceCount
            return args[0] &* 3
        }
        var b = TBBuilder(pc: 0x100)
        b.movi(.r3, 0x1111)
        b.callHelper("nest", args: [.r0], result: .r4)
        b.add(.r5, .r4, .r3)
        b.exitTB(7)
        h.runtime.install(try b.finish())
        var registers = TBRegisters()
        registers[.r0] = 10
        h.runtime.setRegisters(registers, of: h.cpu)
        #expect(try h.run(pc: 0x100) == 7)
        #expect(h.runtime.registers(of: h.cpu)[.r5] == 30 + 0x1111)
        #expect(!h.runtime.hasInstance(at: 0x100))
        // While the helper ran: the cached instance plus the running, already evicted caller.
        #expect(allocatedDuringHelper.value == 2)
        #expect(h.runtime.allocatedInstanceCount == 1)
    }
}

import Asyncify
import TBCodegen
import Testing
import WasmInterpreter

@testable import TBRuntime

/// Evicted and replaced TB instances are freed: they share one store, which
/// releases an instance - its function entries, globals and machine code - as
/// soon as nothing but the store (no cache entry, no running `call_wasm_tb`)
/// references it.
@Suite struct InstanceReleaseTests {
    /// r1 = r0 + pc; exit_tb 1.
    static func tb(pc: UInt64) throws -> TranslationBlock {
        var b = TBBuilder(pc: pc)
        b.movi(.r2, pc)
        b.add(.r1, .r0, .r2)
        b.exitTB(1)
        return try b.finish()
    }

    /// The TB instance at `pc` (a testing hook through `@testable`).
    static func instance(of runtime: TBRuntime, at pc: UInt64) -> TBWasmInstance? {
        runtime.cache[pc]?.instance
    }

    @Test func evictedInstancesAreFreedSoMemoryStaysBounded() throws {
        let h = try Harness(threshold: 0)
        h.runtime.configuration.instanceCap = 4
        let count = 300
        weak var firstInstance: TBWasmInstance?
        var registers = TBRegisters()
        registers[.r0] = 5
        for k in 0..<count {
            let pc = 0x1_0000 + UInt64(k) * 0x10
            h.runtime.install(try Self.tb(pc: pc))
            h.runtime.setRegisters(registers, of: h.cpu)
            #expect(try h.run(pc: pc) == 1)
            #expect(h.runtime.registers(of: h.cpu)[.r1] == 5 + pc)
            if k == 0 { firstInstance = Self.instance(of: h.runtime, at: pc) }
            // Never more than the cap allocated, whatever the number of TBs compiled so far:
            // neither TB instances nor the Wasm instances the shared store holds.
            #expect(h.runtime.allocatedInstanceCount <= 4)
            #expect(h.runtime.storeInstanceCount <= 4)
        }
        #expect(h.runtime.statistics.compilations == count)
        #expect(h.runtime.statistics.evictions == count - 4)
        #expect(h.runtime.instanceCount == 4)
        #expect(h.runtime.allocatedInstanceCount == 4)
        #expect(h.runtime.storeInstanceCount == 4)
        #expect(firstInstance == nil, "the first evicted instance is still alive")
    }

    @Test func replacingATBFreesItsInstance() throws {
        let h = try Harness(threshold: 0)
        h.runtime.install(try Self.tb(pc: 0x100))
        #expect(try h.run(pc: 0x100) == 1)
        weak let old = Self.instance(of: h.runtime, at: 0x100)
        #expect(old != nil)
        #expect(h.runtime.storeInstanceCount == 1)
        h.runtime.install(try Self.tb(pc: 0x100))
        #expect(old == nil)
        #expect(h.runtime.allocatedInstanceCount == 0)
        #expect(h.runtime.storeInstanceCount == 0)
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

    /// Dropping instances gives their machine code back: after 200 distinct
    /// TBs run with no cap, the native code bytes grow with every instance;
    /// replacing all of them (which drops their instances) returns the count
    /// to zero, and the store holds no instance any more.
    @Test func releasingInstancesReturnsTheirCodeAndEntries() throws {
        let h = try Harness(threshold: 0)
        h.runtime.configuration.instanceCap = Int.max
        let count = 200
        let pcs = (0..<count).map { 0x4_0000 + UInt64($0) * 0x10 }
        for pc in pcs {
            h.runtime.install(try Self.tb(pc: pc))
            #expect(try h.run(pc: pc) == 1)
        }
        #expect(h.runtime.storeInstanceCount == count)
        let native = h.runtime.nativeCodeBytes
        if h.runtime.instanceStore?.store.runsNatively ?? false {
            // Each instance's code takes some bytes of its own (a 3-op TB
            // compiles to well over 16 bytes), and far less than a page each.
            #expect(native >= 16 * count)
            #expect(native < 4096 * count / 2)
        } else {
            print("skipped: no native tier on this host (code bytes)")
        }
        for pc in pcs { h.runtime.install(try Self.tb(pc: pc)) }
        #expect(h.runtime.allocatedInstanceCount == 0)
        #expect(h.runtime.storeInstanceCount == 0)
        #expect(h.runtime.nativeCodeBytes == 0)
    }

    /// A TB module whose instantiation fails - while linking (a helper import
    /// of the wrong type) or after the instance exists (no `start` export) -
    /// throws `compileFailed` and leaves nothing in the shared store, which
    /// keeps working for the TBs after it.
    @Test func failedInstantiationsLeaveNothingInTheSharedStore() throws {
        let h = try Harness(threshold: 0)
        h.runtime.install(try Self.tb(pc: 0x100))
        #expect(try h.run(pc: 0x100) == 1)
        #expect(h.runtime.storeInstanceCount == 1)
        func helperTB(arguments: [TBReg]) throws -> TranslationBlock {
            var b = TBBuilder(pc: 0x200)
            b.callHelper("h", args: arguments, result: .r4)
            b.exitTB(2)
            return try b.finish()
        }
        let twoArguments = try helperTB(arguments: [.r0, .r1])
        let oneArgument = try helperTB(arguments: [.r0])
        let addressing = h.runtime.configuration.addressing
        // The module imports helper 0 as (i64, i64) -> i64; the TB it is wired for has (i64) -> i64.
        let mismatched = TBEmitter.module(for: twoArguments, addressing: addressing)
        var noStart = TBEmitter.module(for: oneArgument, addressing: addressing)
        noStart.exports = []
        for (module, tb) in [(mismatched, oneArgument), (noStart, oneArgument)] {
            for _ in 0..<3 {
                #expect {
                    _ = try h.runtime.instantiateUncached(module, for: tb)
                } throws: { error in
                    guard let error = error as? TBRuntimeError, case .compileFailed(let pc, _) = error.reason
                    else { return false }
                    return pc == 0x200
                }
            }
            #expect(h.runtime.storeInstanceCount == 1)
            #expect(h.runtime.allocatedInstanceCount == 1)
        }
        // The store still takes new instances and runs the old one.
        h.runtime.registerHelper("h") { _, args in args[0] &+ 1 }
        var registers = TBRegisters()
        registers[.r0] = 41
        h.runtime.setRegisters(registers, of: h.cpu)
        h.runtime.install(oneArgument)
        #expect(try h.run(pc: 0x200) == 2)
        #expect(h.runtime.registers(of: h.cpu)[.r4] == 42)
        #expect(try h.run(pc: 0x100) == 1)
        #expect(h.runtime.storeInstanceCount == 2)
    }
}

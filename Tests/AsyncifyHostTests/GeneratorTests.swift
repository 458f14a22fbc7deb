// Programs/clang/generator.wasm: a clang-built module instrumented with
// `wasm-opt --asyncify --pass-arg=asyncify-imports@env.yield_value`, driven
// from Swift. `yield_value` suspends to the host, which wakes it up later
// with a value; `emit` is synchronous. The misuse tests make the same module
// do what Emscripten forbids.

import AsyncifyHost
import Testing
import WasmBinary
import WasmInterpreter

/// Records what the module yields and emits, and the pending wake-up.
final class GeneratorDriver {
    var yields: [Int32] = []
    var emits: [Int32] = []
    var pending: WakeUp?
    /// Optional misbehaviour inside `yield_value`, after `handleSleep` returned.
    var afterSleep: ((AsyncifyInstance) throws -> Void)?
    var host: AsyncifyInstance!

    init(areaBytes: UInt64? = nil, asyncYield: Bool = true) throws {
        let module = try Programs.module("clang/generator.wasm")
        let imports = [
            HostImport(name: "yield_value", isAsync: asyncYield) { [unowned self] host, slots in
                let value = Int32(bitPattern: slots.i32(0))
                let woken = try host.handleSleep { wakeUp in
                    self.yields.append(value)
                    self.pending = wakeUp
                }
                try self.afterSleep?(host)
                slots.setI32(0, UInt32(truncatingIfNeeded: woken))
            },
            HostImport(name: "emit") { [unowned self] _, slots in
                self.emits.append(Int32(bitPattern: slots.i32(0)))
            },
        ]
        host = try AsyncifyInstance(module: module, imports: imports)
        let area = try #require(
            Self.i32(try host.call("asyncify_area")), "generator.wasm lacks asyncify_area")
        let size = try #require(
            Self.i32(try host.call("asyncify_area_size")), "generator.wasm lacks asyncify_area_size")
        host.sleepDataArea = (UInt64(area), areaBytes ?? UInt64(size))
    }

    /// Calls run(depth, n), waking each yield with `value + 7`, until it finishes.
    func run(depth: Int32, count: Int32) throws -> Int32 {
        var results = try host.call("run", [Value(depth), Value(count)])
        while let wakeUp = pending {
            pending = nil
            results = try wakeUp(UInt64(UInt32(bitPattern: yields[yields.count - 1] &+ 7)))
        }
        let result = try #require(Self.i32(results), "run returned \(results), not one i32")
        return Int32(bitPattern: result)
    }

    /// The value of a call that returned one i32, else nil.
    static func i32(_ results: [Value]) -> UInt32? {
        guard results.count == 1, case .i32(let value) = results[0] else { return nil }
        return value
    }
}

@Suite struct GeneratorTests {
    /// What generator.c computes, worked out here from its source.
    static func expected(depth: Int32, count: Int32) -> (yields: [Int32], emits: [Int32], result: Int32) {
        var sum: Int32 = 0
        var yields: [Int32] = []
        var emits: [Int32] = []
        for i in stride(from: Int32(1), through: count, by: 1) {
            yields.append(i * i)
            sum += i * i + 7
            emits.append(sum)
        }
        return (yields, emits, sum + depth)
    }

    @Test(arguments: [(Int32(0), Int32(5)), (3, 4), (40, 10)])
    func everyYieldSuspendsToSwiftAndResumesWithItsValue(_ depth: Int32, _ count: Int32) throws {
        let driver = try GeneratorDriver()
        let result = try driver.run(depth: depth, count: count)
        let expected = Self.expected(depth: depth, count: count)
        #expect(driver.yields == expected.yields)
        #expect(driver.emits == expected.emits)
        #expect(result == expected.result)
        #expect(driver.host.state == .normal)
    }

    @Test func sleepOnWasm32UsesTwelveByteHeaders() throws {
        let driver = try GeneratorDriver()
        let host = try #require(driver.host)
        let area = try #require(host.sleepDataArea)
        #expect(host.dataHeaderSize == 12)
        _ = try host.call("run", [Value(Int32(0)), Value(Int32(1))])
        #expect(host.isSleeping)
        let memory = try host.memory
        // u32 position: past the 12-byte header and at least one frame's call-site index.
        let position = UInt64(try memory.load(UInt32.self, at: area.address))
        #expect(position >= area.address + 12 + 4)
        // u32 end: the end of the area.
        #expect(UInt64(try memory.load(UInt32.self, at: area.address + 4)) == area.address + area.byteCount)
        // run(0, 1) returns the woken value, and the rewind brings the position back to the stack's start.
        let wakeUp = try #require(driver.pending)
        #expect(try wakeUp(8) == [.i32(8)])
        #expect(UInt64(try memory.load(UInt32.self, at: area.address)) == area.address + 12)
    }

    @Test func synchronousWakeUpDoesNotUnwind() throws {
        let module = try Programs.module("clang/generator.wasm")
        var emits: [Int32] = []
        let imports = [
            HostImport(name: "yield_value", isAsync: true) { host, slots in
                let value = slots.i32(0)
                let woken = try host.handleSleep { wakeUp in try wakeUp(UInt64(value) * 2) }
                slots.setI32(0, UInt32(truncatingIfNeeded: woken))
            },
            HostImport(name: "emit") { _, slots in emits.append(Int32(bitPattern: slots.i32(0))) },
        ]
        let host = try AsyncifyInstance(module: module, imports: imports)
        let results = try host.call("run", [Value(Int32(2)), Value(Int32(3))])
        // 2 * (1 + 4 + 9) + depth 2
        #expect(results == [.i32(30)])
        #expect(emits == [2, 10, 28])
        #expect(!host.isSleeping)
    }

    @Test func secondSleepWhileOneIsInFlightThrows() throws {
        let driver = try GeneratorDriver()
        _ = try driver.host.call("run", [Value(Int32(1)), Value(Int32(3))])
        #expect(driver.host.isSleeping)
        // Another export call reaches yield_value while the first sleep waits.
        #expect {
            try driver.host.call("run", [Value(Int32(1)), Value(Int32(3))])
        } throws: { error in
            (error as? AsyncifyHostError)?.reason == .sleepInFlight
        }
        #expect(driver.host.state == .normal)
    }

    @Test func syncImportThatChangesTheStateThrows() throws {
        let driver = try GeneratorDriver(asyncYield: false)
        #expect {
            try driver.host.call("run", [Value(Int32(0)), Value(Int32(2))])
        } throws: { error in
            guard let error = error as? AsyncifyHostError, error.reason == .importChangedState else {
                return false
            }
            return error.description.contains("env.yield_value")
        }
        #expect(driver.host.state == .normal)
    }

    @Test func wakeUpWithWasmOnTheStackThrows() throws {
        let driver = try GeneratorDriver()
        driver.afterSleep = { _ in
            if let wakeUp = driver.pending {
                driver.pending = nil
                try wakeUp(1)
            }
        }
        #expect {
            try driver.host.call("run", [Value(Int32(0)), Value(Int32(2))])
        } throws: { error in
            (error as? AsyncifyHostError)?.reason == .rewindWithWasmOnStack
        }
        // The instance is usable again.
        driver.afterSleep = nil
        driver.yields = []
        driver.emits = []
        #expect(try driver.run(depth: 2, count: 3) == Self.expected(depth: 2, count: 3).result)
    }

    @Test func overflowingTheSleepBufferIsReportedWithItsSize() throws {
        // Room for the header and 16 bytes: a few frames cannot fit.
        let driver = try GeneratorDriver(areaBytes: 12 + 16)
        #expect {
            try driver.host.call("run", [Value(Int32(8)), Value(Int32(2))])
        } throws: { error in
            guard let error = error as? AsyncifyHostError, error.reason == .asyncifyStackOverflow else {
                return false
            }
            return error.stackSize == 16 && error.fiber == nil
        }
        #expect(driver.host.state == .normal)
        #expect(!driver.host.isSleeping)
    }

    @Test func wakeUpTwiceThrows() throws {
        let driver = try GeneratorDriver()
        _ = try driver.host.call("run", [Value(Int32(0)), Value(Int32(2))])
        let wakeUp = try #require(driver.pending)
        driver.pending = nil
        try wakeUp(1)
        #expect {
            try wakeUp(1)
        } throws: { error in
            (error as? AsyncifyHostError)?.reason == .wakeUpReused
        }
    }
}

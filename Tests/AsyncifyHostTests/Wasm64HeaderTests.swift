// Programs/wasm64/yield64.wasm: a memory64 module instrumented by hand the
// way Binaryen instruments wasm64 code (Binaryen 108 cannot instrument
// memory64 itself). The host must lay out 24-byte asyncify_data_t headers.

import AsyncifyHost
import Testing
import WasmBinary
import WasmInterpreter

@Suite struct Wasm64HeaderTests {
    @Test func sleepOnWasm64UsesTwentyFourByteHeaders() throws {
        let module = try Programs.module("wasm64/yield64.wasm")
        var pending: WakeUp?
        let yieldValue = HostImport(name: "yield_value", isAsync: true) { host, slots in
            let woken = try host.handleSleep { pending = $0 }
            slots.setI32(0, UInt32(truncatingIfNeeded: woken))
        }
        let host = try AsyncifyInstance(module: module, imports: [yieldValue])
        #expect(host.is64)
        #expect(host.dataHeaderSize == 24)
        let area: UInt64 = 1024
        host.sleepDataArea = (area, 256)

        #expect(try host.call("run", [Value(Int32(4))]) == [.i32(0)])  // unwound
        let memory = try host.memory
        // u64 position: the stack starts after the 24-byte header and holds one 12-byte frame.
        #expect(try memory.load(UInt64.self, at: area) == area + 24 + 12)
        // u64 end.
        #expect(try memory.load(UInt64.self, at: area + 8) == area + 256)
        // The frame: call-site index 0, x = 4, acc = 40.
        #expect(try memory.load(UInt32.self, at: area + 24) == 0)
        #expect(try memory.load(UInt32.self, at: area + 28) == 4)
        #expect(try memory.load(UInt32.self, at: area + 32) == 40)

        let wakeUp = try #require(pending)
        #expect(try wakeUp(7) == [.i32(47)])  // 4 * 10 + 7
        // After the rewind the position is back at the stack's start.
        #expect(try memory.load(UInt64.self, at: area) == area + 24)
        #expect(host.state == .normal)
        #expect(!host.isSleeping)
    }

    @Test func wasm64OverflowIsReported() throws {
        let module = try Programs.module("wasm64/yield64.wasm")
        let yieldValue = HostImport(name: "yield_value", isAsync: true) { host, slots in
            slots.setI32(0, UInt32(truncatingIfNeeded: try host.handleSleep { _ in }))
        }
        let host = try AsyncifyInstance(module: module, imports: [yieldValue])
        host.sleepDataArea = (1024, 24 + 8)  // room for 8 bytes: the 12-byte frame does not fit
        #expect {
            try host.call("run", [Value(Int32(1))])
        } throws: { error in
            guard let error = error as? AsyncifyHostError else { return false }
            return error.reason == .asyncifyStackOverflow && error.stackSize == 8
        }
        #expect(host.state == .normal)
    }
}

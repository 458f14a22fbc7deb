import Testing

@testable import Asyncify

/// Emscripten's fiber test (test_fibers), re-expressed with Swift functions.
@Suite struct EmscriptenFiberTests {
    /// Emscripten's fiber test with Swift functions: a main context and two
    /// fibers, one printing Fibonacci numbers and one printing 100...109,
    /// interleaved. The Fibonacci fiber keeps `last` and `cur` and the counter
    /// fiber keeps `i` in its own frame across every swap.
    static func runFiberProgram() throws -> (text: String, statuses: [FiberStatus?], state: AsyncifyState) {
        let out = Output()
        let runtime = FiberRuntime()
        let main = runtime.makeFiberFromCurrentContext(name: "main", asyncifyStackSize: 1024)
        let fibonacci = runtime.allocateFiber(name: "fibonacci")
        let counter = runtime.allocateFiber(name: "counter")
        try runtime.initialize(fibonacci, cStackSize: 4096, asyncifyStackSize: 1024) { cx, _ in
            var (last, cur) = (0, 1)
            var frame = cx.enter()
            if frame.isRewinding { (last, cur) = try frame.restore() }
            while true {
                if frame.isNormal { out.text += "\(last)-" }
                try cx.swap(from: fibonacci, to: main)
                if try frame.unwinding(at: 1, saving: (last, cur)) { return }
                (last, cur) = (cur, last + cur)
            }
        }
        try runtime.initialize(counter, cStackSize: 4096, asyncifyStackSize: 1024) { cx, _ in
            var i = 100
            var frame = cx.enter()
            if frame.isRewinding { i = try frame.restore() }
            while true {
                if frame.isNormal { out.text += "\(i)-" }
                try cx.swap(from: counter, to: main)
                if try frame.unwinding(at: 1, saving: i) { return }
                i += 1
            }
        }
        try runtime.run { cx, _ in
            var i = 0
            var frame = cx.enter()
            if frame.isRewinding { i = try frame.restore() }
            if frame.isNormal { out.text += "*" }
            while i < 10 {
                if frame.calls(1) {
                    try cx.swap(from: main, to: fibonacci)
                    if try frame.unwinding(at: 1, saving: i) { return }
                }
                if frame.calls(2) {
                    try cx.swap(from: main, to: counter)
                    if try frame.unwinding(at: 2, saving: i) { return }
                }
                i += 1
            }
            out.text += "*"
        }
        return (out.text, [main, fibonacci, counter].map { runtime.status(of: $0) }, runtime.state)
    }

    /// The output is exactly that of Emscripten's test.
    @Test func fibonacciAndCounterInterleave() throws {
        let result = try Self.runFiberProgram()
        #expect(result.text == "*0-100-1-101-1-102-2-103-3-104-5-105-8-106-13-107-21-108-34-109-*")
        #expect(result.statuses == [.finished, .suspended, .suspended])
        #expect(result.state == .normal)
    }

    /// `emscripten_fiber_init` sets base = stack + size, limit = stack, pointer =
    /// base; finishing a switch loads the fiber's values into the C stack globals.
    @Test func initSetsCStackFieldsAndSwitchLoadsThem() throws {
        let runtime = FiberRuntime()
        let main = runtime.makeFiberFromCurrentContext(name: "main")
        let seen = Box<(base: UInt64, limit: UInt64, pointer: UInt64)?>(nil)
        let worker = runtime.allocateFiber(name: "worker")
        try runtime.initialize(worker, cStackSize: 8192, asyncifyStackSize: 256) { cx, _ in
            var frame = cx.enter()
            if frame.isRewinding { try frame.restore() }
            if frame.isNormal { seen.value = runtime.cStack }
            try cx.swap(from: worker, to: main)
            if try frame.unwinding(at: 1) { return }
        }
        let record = try #require(runtime.record(of: worker))
        #expect(record.cStackBase == record.cStackLimit + 8192)
        #expect(record.cStackPointer == record.cStackBase)
        #expect(record.entry >= 0)
        #expect(record.data.end - record.data.start == 256)
        #expect(record.data.position == record.data.start)
        try runtime.run { cx, _ in
            var frame = cx.enter()
            if frame.isRewinding { try frame.restore() }
            try cx.swap(from: main, to: worker)
            if try frame.unwinding(at: 1) { return }
        }
        let loaded = try #require(seen.value)
        #expect(loaded.base == record.cStackBase)
        #expect(loaded.limit == record.cStackLimit)
        #expect(loaded.pointer == record.cStackBase)
        let after = try #require(runtime.record(of: worker))
        #expect(after.entry == -1)  // cleared before the entry was called
        #expect(after.rewindID >= 0)
    }
}

import Testing

@testable import Asyncify

/// `handleSleep` / `wakeUp`: Emscripten's way for an import to block.
@Suite struct SleepTests {
    /// A participating "import" that sleeps until woken, then doubles the value.
    static func readDoubled(_ cx: FiberContext, pending: Bool, counter: Box<Int>) throws(FiberError) -> Int {
        var frame = cx.enter()
        if frame.isRewinding { try frame.restore() }
        if frame.isNormal { counter.value += 1 }
        let value = try cx.handleSleep { pending ? nil : 21 }
        if try frame.unwinding(at: 1) { return 0 }
        return value * 2
    }

    /// Runs an export that keeps what `readDoubled` returns in the box it returns
    /// (written once the export finishes, after a wake-up if it slept).
    static func runReadingDoubled(_ runtime: FiberRuntime, pending: Bool, counter: Box<Int>) throws -> Box<
        Int
    > {
        let result = Box(0)
        try runtime.run { cx, _ in
            var frame = cx.enter()
            if frame.isRewinding { try frame.restore() }
            let value = try readDoubled(cx, pending: pending, counter: counter)
            if try frame.unwinding(at: 1) { return }
            result.value = value
        }
        return result
    }

    /// An asynchronous wake-up: `run` returns with the export asleep, and
    /// `wakeUp(with:)` resumes it exactly at the sleeping call.
    @Test func sleepUnwindsAndWakeUpResumes() throws {
        let runtime = FiberRuntime()
        let before = Box(0)
        let result = try Self.runReadingDoubled(runtime, pending: true, counter: before)
        #expect(runtime.isSleeping)
        #expect(result.value == 0)
        #expect(runtime.state == .normal)
        try runtime.wakeUp(with: 50)
        #expect(!runtime.isSleeping)
        #expect(result.value == 100)
        #expect(before.value == 1)
    }

    /// A synchronous wake-up returns the value directly: nothing unwinds.
    @Test func synchronousWakeUpReturnsDirectly() throws {
        let runtime = FiberRuntime()
        let before = Box(0)
        let result = try Self.runReadingDoubled(runtime, pending: false, counter: before)
        #expect(!runtime.isSleeping)
        #expect(result.value == 42)
    }

    /// A fiber sleeps in the middle of its work; waking it continues the fiber,
    /// which then swaps back to the main context as usual.
    @Test func sleepInsideAFiberResumesThatFiber() throws {
        let runtime = FiberRuntime()
        let log = Output()
        let main = runtime.makeFiberFromCurrentContext(name: "main")
        let reader = runtime.allocateFiber(name: "reader")
        try runtime.initialize(reader) { cx, _ in
            var frame = cx.enter()
            var got = 0
            if frame.isRewinding { got = try frame.restore() }
            if frame.calls(1) {
                got = try cx.handleSleep { nil }
                if try frame.unwinding(at: 1, saving: got) { return }
                log.text += "got \(got);"
            }
            try cx.swap(from: reader, to: main)
            if try frame.unwinding(at: 2, saving: got) { return }
        }
        try runtime.run { cx, _ in
            var frame = cx.enter()
            if frame.isRewinding { try frame.restore() }
            try cx.swap(from: main, to: reader)
            if try frame.unwinding(at: 1) { return }
            log.text += "main back;"
        }
        #expect(runtime.isSleeping)
        #expect(runtime.status(of: reader) == .sleeping)
        #expect(log.text == "")
        try runtime.wakeUp(with: 7)
        #expect(log.text == "got 7;main back;")
        #expect(runtime.status(of: main) == .finished)
        #expect(runtime.status(of: reader) == .suspended)
    }

    /// A second sleep while one is in flight is an error; the first still wakes.
    @Test func secondSleepWhileOneIsInFlightThrows() throws {
        let runtime = FiberRuntime()
        let counter = Box(0)
        let result = try Self.runReadingDoubled(runtime, pending: true, counter: counter)
        let error = #expect(throws: FiberError.self) {
            try runtime.run { cx, _ in _ = try cx.handleSleep { nil } }
        }
        #expect(error?.reason == .sleepInFlight)
        #expect(runtime.isSleeping)
        try runtime.wakeUp(with: 4)
        #expect(result.value == 8)
        #expect(try pingPongRounds(on: runtime, rounds: 3) == 3)
    }

    /// Waking when nothing sleeps is an error.
    @Test func wakeUpWithoutSleepThrows() throws {
        let runtime = FiberRuntime()
        let error = #expect(throws: FiberError.self) { try runtime.wakeUp(with: 1) }
        #expect(error?.reason == .noSleepInFlight)
        #expect(try pingPongRounds(on: runtime, rounds: 3) == 3)
    }
}

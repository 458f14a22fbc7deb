import Testing

@testable import Asyncify

/// The calls a newcomer reaches for first: `makeFiber` whose entry gets its own
/// handle, `run { cx in }`, `cx.swap(to:)`, and the hints in the errors that
/// the usual mistakes produce.
@Suite struct NewcomerAPITests {
    struct Refused: Error, Equatable { var value: Int }

    /// A generator fiber yields 1, 4, 9, ... (squares) to main through a box;
    /// main adds up `count` of them. Both keep their counters only in their frames.
    static func sumOfYieldedSquares(count: Int) throws -> (sum: Int, handleSeen: Fiber?, generator: Fiber) {
        let runtime = FiberRuntime()
        let main = runtime.mainFiber
        let slot = Box(0)
        let seen = Box<Fiber?>(nil)
        let generator = runtime.makeFiber(name: "squares") { cx, me in
            var n = 1
            var frame = cx.enter()
            if frame.isRewinding { n = try frame.restore() }
            while true {
                if frame.isNormal {
                    seen.value = me
                    slot.value = n * n
                }
                try cx.swap(to: main)
                if try frame.unwinding(at: 1, saving: n) { return }
                n += 1
            }
        }
        let total = Box(0)
        try runtime.run { cx in
            var (taken, sum) = (0, 0)
            var frame = cx.enter()
            if frame.isRewinding { (taken, sum) = try frame.restore() }
            while frame.isRewinding || taken < count {
                try cx.swap(to: generator)
                if try frame.unwinding(at: 1, saving: (taken, sum)) { return }
                sum += slot.value
                taken += 1
            }
            total.value = sum
        }
        return (total.value, seen.value, generator)
    }

    @Test func generatorAndConsumerExchangeValuesWithSwapTo() throws {
        let (sum, seen, generator) = try Self.sumOfYieldedSquares(count: 10)
        // 1 + 4 + ... + 100 = 10 * 11 * 21 / 6.
        #expect(sum == 385)
        #expect(seen == generator)
    }

    @Test func mainFiberFinishesAndRunCanBeCalledAgain() throws {
        let runtime = FiberRuntime()
        let main = runtime.mainFiber
        let visits = Box(0)
        let worker = runtime.makeFiber(name: "worker") { cx, _ in
            var frame = cx.enter()
            if frame.isRewinding { try frame.restore() }
            while true {
                if frame.isNormal { visits.value += 1 }
                try cx.swap(to: main)
                if try frame.unwinding(at: 1) { return }
            }
        }
        for _ in 0..<3 {
            try runtime.run { cx in try Self.pause(cx, to: worker) }
            #expect(runtime.status(of: main) == .finished)
        }
        #expect(visits.value == 3)
        #expect(runtime.status(of: worker) == .suspended)
    }

    @Test func swapToOutsideAnyFiberSaysWhatToUse() {
        let runtime = FiberRuntime()
        let worker = runtime.makeFiber(name: "worker") { _, _ in }
        let error = #expect(throws: FiberError.self) {
            try runtime.run({ cx, _ in try cx.swap(to: worker) }, argument: nil)
        }
        #expect(error?.reason == .swapFromNonCurrentFiber)
        #expect(error?.message.contains("run { cx in") == true, "\(String(describing: error))")
        #expect(
            error?.message.contains("makeFiberFromCurrentContext") == true, "\(String(describing: error))")
    }

    @Test func swapToWithNoExportRunningIsRefused() {
        let runtime = FiberRuntime()
        let worker = runtime.makeFiber(name: "worker") { _, _ in }
        let escaped = Box<FiberContext?>(nil)
        let main = runtime.makeFiberFromCurrentContext(name: "m")
        _ = main
        try? runtime.run { cx in escaped.value = cx }
        let error = #expect(throws: FiberError.self) { try escaped.value!.swap(to: worker) }
        #expect(error?.reason == .swapOutsideTrampoline)
    }

    @Test func runWhileMainIsSuspendedSaysToResume() throws {
        let runtime = FiberRuntime()
        // The worker's entry returns instead of swapping back: main stays suspended.
        let worker = runtime.makeFiber(name: "quitter") { _, _ in }
        let main = runtime.mainFiber
        #expect(throws: FiberError.self) { try runtime.run { cx in try Self.pause(cx, to: worker) } }
        #expect(runtime.status(of: main) == .suspended)
        let error = #expect(throws: FiberError.self) { try runtime.run { _ in } }
        #expect(error?.reason == .swapIntoRunningFiber)
        #expect(error?.message.contains("resume(runtime.mainFiber)") == true, "\(String(describing: error))")
    }

    @Test func anEntryThrowsItsOwnTypedError() {
        let runtime = FiberRuntime()
        let thrower = runtime.makeFiber(name: "thrower") { (_, _) throws(Refused) in throw Refused(value: 7) }
        let error = #expect(throws: FiberError.self) {
            try runtime.run { cx in try Self.pause(cx, to: thrower) }
        }
        #expect(error?.reason == .fiberThrew)
        #expect(error?.underlying as? Refused == Refused(value: 7))
        #expect(error?.fiber == thrower)
    }

    /// A participating function that swaps to `fiber` once (and returns when
    /// resumed there, or when the swap unwound it).
    static func pause(_ cx: FiberContext, to fiber: Fiber) throws(FiberError) {
        var frame = cx.enter()
        if frame.isRewinding { try frame.restore() }
        try cx.swap(to: fiber)
        _ = try frame.unwinding(at: 1)
    }

    /// Whether `error` names the likely cause of a forgotten `unwinding` check.
    static func namesAForgottenCheck(_ error: FiberError?) -> Bool {
        guard let message = error?.message else { return false }
        return message.contains("likely cause") && message.contains("frame.unwinding(at:)")
    }

    /// A helper that swaps, and a caller that forgets to check `unwinding` after
    /// calling it and swaps again: the second swap starts an unwind during one.
    @Test func aForgottenUnwindingCheckNamesTheLikelyCause() {
        let runtime = FiberRuntime()
        let main = runtime.mainFiber
        let careless = runtime.makeFiber(name: "careless") { cx, _ in
            var frame = cx.enter()
            if frame.isRewinding { try frame.restore() }
            try Self.pause(cx, to: main)  // missing: if try frame.unwinding(at: 1) { return }
            try Self.pause(cx, to: main)
            _ = try frame.unwinding(at: 2)
        }
        let error = #expect(throws: FiberError.self) {
            try runtime.run { cx in try Self.pause(cx, to: careless) }
        }
        #expect(error?.reason == .invalidStateTransition)
        #expect(Self.namesAForgottenCheck(error), "\(String(describing: error))")
    }

    /// The same mistake in an entry that then returns: the unwind looks like a
    /// swap, and the rewind finds one frame fewer than it restores.
    @Test func anEntryThatReturnsAfterAForgottenCheckNamesTheLikelyCause() {
        let runtime = FiberRuntime()
        let main = runtime.mainFiber
        let careless = runtime.makeFiber(name: "careless") { cx, _ in
            var frame = cx.enter()
            if frame.isRewinding { try frame.restore() }
            try Self.pause(cx, to: main)  // missing: if try frame.unwinding(at: 1) { return }
        }
        let error = #expect(throws: FiberError.self) {
            try runtime.run { cx in
                var round = 0
                var frame = cx.enter()
                if frame.isRewinding { round = try frame.restore() }
                while round < 2 {
                    try cx.swap(to: careless)
                    if try frame.unwinding(at: 1, saving: round) { return }
                    round += 1
                }
            }
        }
        #expect(error?.reason == .asyncifyStackUnderflow)
        #expect(error?.fiber == careless)
        #expect(Self.namesAForgottenCheck(error), "\(String(describing: error))")
    }
}

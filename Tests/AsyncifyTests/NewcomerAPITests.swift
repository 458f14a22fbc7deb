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
            try runtime.run { cx in
                var frame = cx.enter()
                if frame.isRewinding { try frame.restore() }
                try cx.swap(to: worker)
                _ = try frame.unwinding(at: 1)
            }
            #expect(runtime.status(of: main) == .finished)
        }
        #expect(visits.value == 3)
        #expect(runtime.status(of: worker) == .suspended)
    }

    @Test func swapToOutsideAnyFiberSaysWhatToUse() {
        let runtime = FiberRuntime()
        let worker = runtime.makeFiber(name: "worker") { _, _ in }
        #expect {
            try runtime.run({ cx, _ in try cx.swap(to: worker) }, argument: nil)
        } throws: { error in
            guard let error = error as? FiberError else { return false }
            return error.reason == .swapFromNonCurrentFiber && error.message.contains("run { cx in")
                && error.message.contains("makeFiberFromCurrentContext")
        }
    }

    @Test func swapToWithNoExportRunningIsRefused() {
        let runtime = FiberRuntime()
        let worker = runtime.makeFiber(name: "worker") { _, _ in }
        let escaped = Box<FiberContext?>(nil)
        let main = runtime.makeFiberFromCurrentContext(name: "m")
        _ = main
        try? runtime.run { cx in escaped.value = cx }
        #expect {
            try escaped.value!.swap(to: worker)
        } throws: { error in
            (error as? FiberError)?.reason == .swapOutsideTrampoline
        }
    }

    @Test func runWhileMainIsSuspendedSaysToResume() throws {
        let runtime = FiberRuntime()
        // The worker's entry returns instead of swapping back: main stays suspended.
        let worker = runtime.makeFiber(name: "quitter") { _, _ in }
        let main = runtime.mainFiber
        #expect(throws: FiberError.self) {
            try runtime.run { cx in
                var frame = cx.enter()
                if frame.isRewinding { try frame.restore() }
                try cx.swap(to: worker)
                _ = try frame.unwinding(at: 1)
            }
        }
        #expect(runtime.status(of: main) == .suspended)
        #expect {
            try runtime.run { _ in }
        } throws: { error in
            guard let error = error as? FiberError else { return false }
            return error.reason == .swapIntoRunningFiber
                && error.message.contains("resume(runtime.mainFiber)")
        }
    }

    @Test func anEntryThrowsItsOwnTypedError() {
        let runtime = FiberRuntime()
        let thrower = runtime.makeFiber(name: "thrower") { (_, _) throws(Refused) in throw Refused(value: 7) }
        #expect {
            try runtime.run { cx in
                var frame = cx.enter()
                if frame.isRewinding { try frame.restore() }
                try cx.swap(to: thrower)
                _ = try frame.unwinding(at: 1)
            }
        } throws: { error in
            guard let error = error as? FiberError else { return false }
            return error.reason == .fiberThrew && (error.underlying as? Refused) == Refused(value: 7)
                && error.fiber == thrower
        }
    }

    /// A participating function that swaps to `main` once.
    static func pause(_ cx: FiberContext, to main: Fiber) throws(FiberError) {
        var frame = cx.enter()
        if frame.isRewinding { try frame.restore() }
        try cx.swap(to: main)
        _ = try frame.unwinding(at: 1)
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
        #expect {
            try runtime.run { cx in
                var frame = cx.enter()
                if frame.isRewinding { try frame.restore() }
                try cx.swap(to: careless)
                _ = try frame.unwinding(at: 1)
            }
        } throws: { error in
            guard let error = error as? FiberError else { return false }
            return error.reason == .invalidStateTransition && error.message.contains("likely cause")
                && error.message.contains("frame.unwinding(at:)")
        }
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
        #expect {
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
        } throws: { error in
            guard let error = error as? FiberError else { return false }
            return error.reason == .asyncifyStackUnderflow && error.fiber == careless
                && error.message.contains("likely cause") && error.message.contains("frame.unwinding(at:)")
        }
    }
}

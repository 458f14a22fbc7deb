import Testing

@testable import Asyncify

/// Every transition Emscripten leaves undefined is a typed error here, and the
/// runtime keeps switching other fibers afterwards.
@Suite struct IllegalTransitionTests {
    /// The eight transitions from the wrong state each throw and change nothing.
    @Test(arguments: [
        (AsyncifyTransition.startUnwind, AsyncifyState.unwinding),
        (.startUnwind, .rewinding),
        (.stopUnwind, .normal),
        (.stopUnwind, .rewinding),
        (.startRewind, .unwinding),
        (.startRewind, .rewinding),
        (.stopRewind, .normal),
        (.stopRewind, .unwinding),
    ])
    func illegalStateTransitionThrows(transition: AsyncifyTransition, from state: AsyncifyState) {
        var machine = AsyncifyStateMachine()
        machine.state = state
        let error = #expect(throws: FiberError.self) { try machine.perform(transition) }
        #expect(error?.reason == .invalidStateTransition)
        #expect(error?.state == state)
        #expect(machine.state == state)
    }

    /// The four legal transitions walk normal -> unwinding -> normal -> rewinding -> normal.
    @Test func legalTransitionsCycle() throws {
        var machine = AsyncifyStateMachine()
        try machine.perform(.startUnwind)
        #expect(machine.state == .unwinding)
        try machine.perform(.stopUnwind)
        #expect(machine.state == .normal)
        try machine.perform(.startRewind)
        #expect(machine.state == .rewinding)
        try machine.perform(.stopRewind)
        #expect(machine.state == .normal)
    }

    /// A main export that swaps from a fresh context fiber into `target`.
    static func swapInto(_ target: Fiber, on runtime: FiberRuntime) throws {
        let main = runtime.makeFiberFromCurrentContext(name: "main")
        try runtime.run { cx, _ in
            var frame = cx.enter()
            if frame.isRewinding { try frame.restore() }
            try cx.swap(from: main, to: target)
            if try frame.unwinding(at: 1) { return }
        }
    }

    /// An entry function that returns is an error; the fiber is then finished, and
    /// swapping into it again is an error as well.
    @Test func entryThatReturnsThrowsAndFinishedFiberCannotBeEntered() throws {
        let runtime = FiberRuntime()
        let ran = Box(0)
        let quitter = runtime.makeFiber(name: "quitter") { _, _ in ran.value += 1 }
        let first = #expect(throws: FiberError.self) { try Self.swapInto(quitter, on: runtime) }
        #expect(first?.reason == .entryReturned)
        #expect(first?.fiber == quitter)
        #expect(ran.value == 1)
        #expect(runtime.status(of: quitter) == .finished)
        let second = #expect(throws: FiberError.self) { try Self.swapInto(quitter, on: runtime) }
        #expect(second?.reason == .swapIntoFinishedFiber)
        #expect(ran.value == 1)
        #expect(try pingPongRounds(on: runtime, rounds: 3) == 3)
    }

    /// Swapping into the fiber that is running (here: itself) is an error.
    @Test func swapIntoRunningFiberThrows() throws {
        let runtime = FiberRuntime()
        let worker = runtime.allocateFiber(name: "worker")
        try runtime.initialize(worker) { cx, _ in
            try cx.swap(from: worker, to: worker)
        }
        let error = #expect(throws: FiberError.self) { try Self.swapInto(worker, on: runtime) }
        #expect(error?.reason == .swapIntoRunningFiber)
        #expect(runtime.status(of: worker) == .failed)
        #expect(try pingPongRounds(on: runtime, rounds: 3) == 3)
    }

    /// A fiber that was only allocated, and a current-context fiber no swap has
    /// completed, cannot be swapped into.
    @Test func swapIntoUninitializedFiberThrows() throws {
        let runtime = FiberRuntime()
        let blank = runtime.allocateFiber(name: "blank")
        let error = #expect(throws: FiberError.self) { try Self.swapInto(blank, on: runtime) }
        #expect(error?.reason == .swapIntoUninitializedFiber)
        let pending = runtime.makeFiberFromCurrentContext(name: "pending")
        let again = #expect(throws: FiberError.self) { try Self.swapInto(pending, on: runtime) }
        #expect(again?.reason == .swapIntoUninitializedFiber)
        #expect(runtime.status(of: blank) == .uninitialized)
        #expect(try pingPongRounds(on: runtime, rounds: 3) == 3)
    }

    /// A fiber of another runtime, or an index this runtime never made, is foreign.
    @Test func swapIntoForeignFiberThrows() throws {
        let runtime = FiberRuntime()
        let other = FiberRuntime()
        let stranger = other.makeFiber(name: "stranger") { _, _ in }
        let error = #expect(throws: FiberError.self) { try Self.swapInto(stranger, on: runtime) }
        #expect(error?.reason == .swapIntoForeignFiber)
        let forged = Fiber(runtimeID: runtime.runtimeID, index: 999)
        let again = #expect(throws: FiberError.self) { try Self.swapInto(forged, on: runtime) }
        #expect(again?.reason == .swapIntoForeignFiber)
        #expect(try pingPongRounds(on: runtime, rounds: 3) == 3)
        #expect(other.status(of: stranger) == .ready)
    }

    /// Swapping while no export runs (with a context kept past its call) is an error.
    @Test func swapOutsideTrampolineThrows() throws {
        let runtime = FiberRuntime()
        let kept = Box<FiberContext?>(nil)
        try runtime.run { cx, _ in kept.value = cx }
        let main = runtime.makeFiberFromCurrentContext(name: "main")
        let worker = runtime.makeFiber(name: "worker") { _, _ in }
        let cx = try #require(kept.value)
        let error = #expect(throws: FiberError.self) { try cx.swap(from: main, to: worker) }
        #expect(error?.reason == .swapOutsideTrampoline)
        #expect(runtime.status(of: worker) == .ready)
        #expect(runtime.state == .normal)
        #expect(try pingPongRounds(on: runtime, rounds: 3) == 3)
    }

    /// `swap(from:to:)` must name the running context as `from`.
    @Test func swapFromNonCurrentFiberThrows() throws {
        let runtime = FiberRuntime()
        let bystander = runtime.makeFiber(name: "bystander") { _, _ in }
        let target = runtime.makeFiber(name: "target") { _, _ in }
        let error = #expect(throws: FiberError.self) {
            try runtime.run { cx, _ in try cx.swap(from: bystander, to: target) }
        }
        #expect(error?.reason == .swapFromNonCurrentFiber)
        #expect(runtime.status(of: target) == .ready)
        // A forged handle whose index is -1 as an Int32 is not "no fiber".
        let forged = Fiber(runtimeID: runtime.runtimeID, index: .max)
        let again = #expect(throws: FiberError.self) {
            try runtime.run { cx, _ in try cx.swap(from: forged, to: target) }
        }
        #expect(again?.reason == .swapFromNonCurrentFiber)
        #expect(runtime.status(of: target) == .ready)
        #expect(try pingPongRounds(on: runtime, rounds: 3) == 3)
    }

    /// A frame that restores less than it saved leaves bytes behind: the rewind's
    /// stop reports the mismatch instead of resuming with garbage.
    @Test func restoringLessThanSavedThrowsRewindMismatch() throws {
        let runtime = FiberRuntime()
        let main = runtime.makeFiberFromCurrentContext(name: "main")
        let sloppy = runtime.allocateFiber(name: "sloppy")
        try runtime.initialize(sloppy) { cx, _ in
            var x = 0
            var frame = cx.enter()
            if frame.isRewinding { x = try frame.restore() }  // an Int, but (Int, Int) was saved
            try cx.swap(from: sloppy, to: main)
            if try frame.unwinding(at: 1, saving: (x, x)) { return }
        }
        let error = #expect(throws: FiberError.self) {
            try swapRepeatedly(on: runtime, from: main, into: sloppy, times: 2)
        }
        #expect(error?.reason == .rewindMismatch)
        #expect(error?.fiber == sloppy)
        #expect(runtime.status(of: sloppy) == .failed)
        #expect(try pingPongRounds(on: runtime, rounds: 3) == 3)
    }

    /// A frame that restores more than was saved hits the bottom of the buffer.
    @Test func restoringMoreThanSavedThrowsUnderflow() throws {
        let runtime = FiberRuntime()
        let main = runtime.makeFiberFromCurrentContext(name: "main")
        let greedy = runtime.allocateFiber(name: "greedy")
        try runtime.initialize(greedy) { cx, _ in
            var x = 0
            var frame = cx.enter()
            if frame.isRewinding { (x, _, _) = try frame.restore() as (Int, Int, Int) }
            try cx.swap(from: greedy, to: main)
            if try frame.unwinding(at: 1, saving: x) { return }
        }
        let error = #expect(throws: FiberError.self) {
            try swapRepeatedly(on: runtime, from: main, into: greedy, times: 2)
        }
        #expect(error?.reason == .asyncifyStackUnderflow)
        #expect(error?.bytesNeeded == 28)
        #expect(error?.bytesAvailable == 12)
        #expect(try pingPongRounds(on: runtime, rounds: 3) == 3)
    }

    /// An error of the fiber's own is wrapped, keeping the original.
    @Test func userErrorIsWrappedAndFiberFails() throws {
        struct Oops: Error {}
        let runtime = FiberRuntime()
        let thrower = runtime.makeFiber(name: "thrower") { _, _ in throw Oops() }
        let error = #expect(throws: FiberError.self) {
            try IllegalTransitionTests.swapInto(thrower, on: runtime)
        }
        #expect(error?.reason == .fiberThrew)
        #expect(error?.underlying is Oops)
        #expect(runtime.status(of: thrower) == .failed)
        #expect(try pingPongRounds(on: runtime, rounds: 3) == 3)
    }

    /// Running the runtime from inside one of its fibers is refused.
    @Test func runFromInsideAFiberThrowsBusy() throws {
        let runtime = FiberRuntime()
        let inner = Box<FiberError?>(nil)
        try runtime.run { _, _ in
            do { try runtime.run { _, _ in } } catch let error as FiberError { inner.value = error }
        }
        #expect(inner.value?.reason == .runtimeBusy)
        #expect(try pingPongRounds(on: runtime, rounds: 3) == 3)
    }

    /// Exports of finished `run` calls are dropped, those a suspended fiber will
    /// rewind are kept: a long-lived runtime does not grow per call.
    @Test func finishedRunsDoNotGrowTheExportTable() throws {
        let runtime = FiberRuntime()
        let baseline = runtime.core.pointee.exportCount
        for _ in 0..<100 { try runtime.run { _, _ in } }
        #expect(runtime.core.pointee.exportCount == baseline)
        #expect(try pingPongRounds(on: runtime, rounds: 2) == 2)
        // The suspended peer rewinds its entry export, which stays; the finished
        // main context's export is dropped.
        #expect(runtime.core.pointee.exportCount == baseline + 1)
    }
}

import Testing

@testable import Asyncify

/// The swap's fast path (one compare against the running fiber's handle) and the
/// bookkeeping it leaves out (no header copies, C stack globals read from the
/// record of the last fiber switched into) give the same results as the full
/// checks and copies would.
@Suite struct SwapFastPathTests {
    /// A swap made while the fiber is already unwinding is the illegal transition
    /// unwinding -> unwinding; the unwind in progress is not disturbed.
    @Test func swapWhileUnwindingThrowsAndTheUnwindCompletes() throws {
        let runtime = FiberRuntime()
        let main = runtime.makeFiberFromCurrentContext(name: "main")
        let caught = Box<FiberError?>(nil)
        let rounds = Box(0)
        let worker = runtime.allocateFiber(name: "worker")
        try runtime.initialize(worker) { cx, _ in
            var count = 0
            var frame = cx.enter()
            if frame.isRewinding { count = try frame.restore() }
            while true {
                if frame.isNormal { count += 1 }
                try cx.swap(from: worker, to: main)
                if cx.isUnwinding {
                    do { try cx.swap(from: worker, to: main) } catch let error as FiberError {
                        caught.value = error
                    }
                }
                if try frame.unwinding(at: 1, saving: count) { return }
                rounds.value = count
            }
        }
        try swapRepeatedly(on: runtime, from: main, into: worker, times: 3)
        #expect(caught.value?.reason == .invalidStateTransition)
        #expect(caught.value?.state == .unwinding)
        #expect(rounds.value == 2)  // resumed twice after its first swap, counting on
        #expect(runtime.status(of: worker) == .suspended)
        #expect(runtime.status(of: main) == .finished)
    }

    /// A context kept by a fiber that is asleep cannot swap once `run` has
    /// returned: no export runs, although that fiber is still the current one.
    @Test func contextOfASleepingFiberCannotSwapAfterRunReturns() throws {
        let runtime = FiberRuntime()
        let kept = Box<FiberContext?>(nil)
        let other = runtime.makeFiber(name: "other") { _, _ in }
        let sleeper = runtime.allocateFiber(name: "sleeper")
        try runtime.initialize(sleeper) { cx, _ in
            var frame = cx.enter()
            if frame.isRewinding { try frame.restore() }
            kept.value = cx
            _ = try cx.handleSleep { nil }
            if try frame.unwinding(at: 1) { return }
        }
        try runtime.resume(sleeper)
        #expect(runtime.isSleeping)
        let cx = try #require(kept.value)
        #expect(cx.currentFiber == sleeper)
        let error = #expect(throws: FiberError.self) { try cx.swap(from: sleeper, to: other) }
        #expect(error?.reason == .swapOutsideTrampoline)
        #expect(runtime.status(of: other) == .ready)
        #expect(runtime.status(of: sleeper) == .sleeping)
    }

    /// A fiber woken from a sleep after another fiber ran does not own the C stack
    /// globals; its swap saves the pointer it sees (`stackSave`) into its record
    /// and the fibers carry on.
    @Test func fiberWokenAfterAnotherRanSavesTheCStackPointerItSees() throws {
        let runtime = FiberRuntime()
        let log = Output()
        let seen = Box<UInt64>(0)
        let main = runtime.makeFiberFromCurrentContext(name: "main")
        let other = runtime.allocateFiber(name: "other")
        let reader = runtime.allocateFiber(name: "reader")
        try runtime.initialize(reader, cStackSize: 4096) { cx, _ in
            var frame = cx.enter()
            if frame.isRewinding { try frame.restore() }
            if frame.calls(1) {
                let value = try cx.handleSleep { nil }
                if try frame.unwinding(at: 1) { return }
                log.text += "woke \(value);"
                seen.value = runtime.cStack.pointer
            }
            if frame.calls(2) {
                try cx.swap(from: reader, to: other)
                if try frame.unwinding(at: 2) { return }
                log.text += "reader back;"
            }
            _ = try cx.handleSleep { nil }
            if try frame.unwinding(at: 3) { return }
        }
        try runtime.initialize(other, cStackSize: 8192) { cx, _ in
            var frame = cx.enter()
            if frame.isRewinding { try frame.restore() }
            if frame.calls(1) {
                if frame.isNormal { log.text += "other;" }
                try cx.swap(from: other, to: main)
                if try frame.unwinding(at: 1) { return }
            }
            log.text += "other again;"
            try cx.swap(from: other, to: reader)
            if try frame.unwinding(at: 2) { return }
        }
        try runtime.run { cx, _ in
            var frame = cx.enter()
            if frame.isRewinding { try frame.restore() }
            try cx.swap(from: main, to: reader)
            if try frame.unwinding(at: 1) { return }
            log.text += "main back;"
        }
        #expect(runtime.isSleeping)
        try runtime.resume(other)  // other runs, then main finishes: main's stack is loaded last
        #expect(log.text == "other;main back;")
        #expect(runtime.status(of: main) == .finished)
        let mainRecord = try #require(runtime.record(of: main))
        try runtime.wakeUp(with: 5)
        #expect(log.text == "other;main back;woke 5;other again;reader back;")
        #expect(seen.value == mainRecord.cStackPointer)
        #expect(runtime.record(of: reader)?.cStackPointer == seen.value)
        #expect(runtime.status(of: other) == .suspended)
        #expect(runtime.status(of: reader) == .sleeping)
    }

    /// Re-initialising the finished fiber whose C stack was loaded last leaves the
    /// C stack globals as they were: the switch loaded them, the new record does not.
    @Test func reinitialisingTheFiberWhoseStackIsLoadedKeepsTheGlobals() throws {
        let runtime = FiberRuntime()
        let main = runtime.makeFiberFromCurrentContext(name: "main")
        let worker = runtime.allocateFiber(name: "worker")
        try runtime.initialize(worker, cStackSize: 8192) { cx, _ in
            var frame = cx.enter()
            if frame.isRewinding { try frame.restore() }
            try cx.swap(from: worker, to: main)
            if try frame.unwinding(at: 1) { return }
        }
        try runtime.run { cx, _ in
            var frame = cx.enter()
            if frame.isRewinding { try frame.restore() }
            try cx.swap(from: main, to: worker)
            if try frame.unwinding(at: 1) { return }
        }
        // main was switched into last (to return and finish): its stack is loaded.
        #expect(runtime.status(of: main) == .finished)
        let before = runtime.cStack
        let mainRecord = try #require(runtime.record(of: main))
        #expect(before.base == mainRecord.cStackBase && before.pointer == mainRecord.cStackPointer)
        try runtime.initialize(main, cStackSize: 1024) { _, _ in }
        let reinitialised = try #require(runtime.record(of: main))
        #expect(reinitialised.cStackBase != before.base)
        let after = runtime.cStack
        #expect(after.base == before.base && after.limit == before.limit && after.pointer == before.pointer)
    }

    /// Fibers allocated while a fiber unwinds (the record table grows and moves)
    /// do not lose the frames still being saved: they are rewound intact.
    @Test func allocatingFibersDuringAnUnwindKeepsItsFrames() throws {
        let runtime = FiberRuntime()
        let main = runtime.makeFiberFromCurrentContext(name: "main")
        let sums = Box<[Int]>([])
        let canaries = Box<[Int]>([])
        let worker = runtime.allocateFiber(name: "worker")
        func inner(_ cx: FiberContext, _ base: Int) throws(FiberError) -> Int {
            var local = base * 10
            var frame = cx.enter()
            if frame.isRewinding { local = try frame.restore() }
            try cx.swap(from: worker, to: main)
            if try frame.unwinding(at: 1, saving: local) { return 0 }
            return local + 1
        }
        try runtime.initialize(worker, asyncifyStackSize: 256) { cx, _ in
            var round = 0
            var frame = cx.enter()
            if frame.isRewinding {
                let saved: (Int, Int) = try frame.restore()
                round = saved.0
                canaries.value.append(saved.1)
            }
            while true {
                let value = try inner(cx, round + 7)
                if cx.isUnwinding {
                    // User code running mid-unwind: enough fibers to move the record table.
                    for index in 0..<40 { _ = runtime.allocateFiber(name: "extra \(round).\(index)") }
                }
                if try frame.unwinding(at: 1, saving: (round, 0x5A5A_5A5A)) { return }
                sums.value.append(value)
                round += 1
            }
        }
        try swapRepeatedly(on: runtime, from: main, into: worker, times: 3)
        #expect(sums.value == [71, 81])
        #expect(canaries.value == [0x5A5A_5A5A, 0x5A5A_5A5A])
        #expect(runtime.status(of: worker) == .suspended)
        let record = try #require(runtime.record(of: worker))
        // Suspended with both frames saved: inner's (4 + 8) and the entry's (4 + 16).
        #expect(record.data.bytesUsed == 12 + 4 + MemoryLayout<(Int, Int)>.size)
    }

    /// Negative, huge and oversized counts never move the position; an empty area
    /// takes no frame.
    @Test func dataStackRejectsNegativeHugeAndOversizedCounts() {
        let memory = UnsafeMutableRawBufferPointer.allocate(byteCount: 32, alignment: 16)
        defer { memory.deallocate() }
        var stack = AsyncifyDataStack(area: memory)
        for count in [-1, -4096, Int.min, Int.max, 5000, 33] {
            #expect(stack.push(byteCount: count) == nil)
            #expect(stack.pop(byteCount: count) == nil)
            #expect(stack.position == stack.start)
        }
        #expect(stack.push(byteCount: 32) == stack.start)
        #expect(stack.push(byteCount: 1) == nil)
        #expect(stack.pop(byteCount: 33) == nil)
        #expect(stack.pop(byteCount: 32) == stack.start)
        var empty = AsyncifyDataStack(area: UnsafeMutableRawBufferPointer(start: nil, count: 0))
        for count in [1, 4, 12, 4096, 4097] {
            #expect(empty.push(byteCount: count) == nil)
            #expect(empty.pop(byteCount: count) == nil)
        }
        #expect(empty.bytesUsed == 0 && empty.bytesFree == 0)
    }
}

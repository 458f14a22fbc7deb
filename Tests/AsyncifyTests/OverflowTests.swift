import Testing

@testable import Asyncify

@Suite struct OverflowTests {
    /// Recurses `n` levels, saving one Int per level, and swaps at the bottom.
    static func descend(_ cx: FiberContext, _ n: Int, me: Fiber, to target: Fiber) throws(FiberError) {
        var n = n
        var frame = cx.enter()
        if frame.isRewinding { n = try frame.restore() }
        if n == 0 {
            try cx.swap(from: me, to: target)
            if try frame.unwinding(at: 1, saving: n) { return }
            return
        }
        try descend(cx, n - 1, me: me, to: target)
        if try frame.unwinding(at: 2, saving: n) { return }
    }

    /// A fiber with a 50-byte Asyncify stack suspends 10 levels deep (12 bytes a
    /// frame): the unwind throws the typed overflow naming the fiber and the bytes,
    /// writes nothing outside the buffer, and the other fibers - main, suspended
    /// when it swapped in, and a healthy worker - still run to completion.
    @Test func overflowThrowsAndKeepsOtherFibers() throws {
        let runtime = FiberRuntime()
        let guardByte: UInt8 = 0xAB
        let memory = UnsafeMutableRawBufferPointer.allocate(byteCount: 256, alignment: 16)
        defer { memory.deallocate() }
        memory.initializeMemory(as: UInt8.self, repeating: guardByte)
        let tinyArea = UnsafeMutableRawBufferPointer(rebasing: memory[100..<150])

        let main = runtime.makeFiberFromCurrentContext(name: "main")
        let healthy = runtime.allocateFiber(name: "healthy")
        let tiny = runtime.allocateFiber(name: "tiny")
        let healthyResult = Box(0)
        let mainResumed = Box(false)
        try runtime.initialize(healthy, asyncifyStackSize: 1024) { cx, _ in
            var frame = cx.enter()
            if frame.isRewinding { try frame.restore() }
            try Self.descend(cx, 10, me: healthy, to: main)
            if try frame.unwinding(at: 1) { return }
            healthyResult.value = 42
            try cx.swap(from: healthy, to: main)
            if try frame.unwinding(at: 2) { return }
        }
        try runtime.initialize(tiny, asyncifyStack: tinyArea) { cx, _ in
            var frame = cx.enter()
            if frame.isRewinding { try frame.restore() }
            try Self.descend(cx, 10, me: tiny, to: main)
            if try frame.unwinding(at: 1) { return }
        }
        let mainBody: FiberEntry = { cx, _ in
            var step = 0
            var frame = cx.enter()
            if frame.isRewinding { step = try frame.restore() }
            if frame.calls(1) {
                try cx.swap(from: main, to: healthy)  // healthy suspends 11 frames deep
                if try frame.unwinding(at: 1, saving: step) { return }
            }
            if frame.calls(2) {
                try cx.swap(from: main, to: tiny)  // tiny overflows while unwinding
                if try frame.unwinding(at: 2, saving: step) { return }
            }
            if frame.isNormal { mainResumed.value = true }
            if frame.calls(3) {
                try cx.swap(from: main, to: healthy)  // healthy finishes its work
                if try frame.unwinding(at: 3, saving: step) { return }
            }
        }
        let error = #expect(throws: FiberError.self) { try runtime.run(mainBody) }
        #expect(error?.reason == .asyncifyStackOverflow)
        #expect(error?.fiber == tiny)
        #expect(error?.message.contains("tiny") == true)
        // 4 full frames (48 bytes) fit in 50; the fifth needs 12 with 2 left.
        #expect(error?.bytesNeeded == 12)
        #expect(error?.bytesAvailable == 2)
        // Not one byte outside the tiny fiber's buffer changed.
        #expect(memory[..<100].allSatisfy { $0 == guardByte })
        #expect(memory[150...].allSatisfy { $0 == guardByte })
        #expect(runtime.status(of: tiny) == .failed)
        #expect(runtime.status(of: main) == .suspended)
        #expect(runtime.status(of: healthy) == .suspended)
        #expect(runtime.state == .normal)

        // Main is still suspended in its swap to `tiny`: resuming it continues
        // right after that call, and the healthy fiber finishes its work.
        try runtime.resume(main)
        #expect(mainResumed.value)
        #expect(healthyResult.value == 42)
        #expect(runtime.status(of: main) == .finished)

        // Swapping into the failed fiber is a typed error too.
        let again = #expect(throws: FiberError.self) {
            try runtime.run { cx, _ in
                let me = runtime.makeFiberFromCurrentContext()
                try cx.swap(from: me, to: tiny)
            }
        }
        #expect(again?.reason == .swapIntoFinishedFiber)
        #expect(try pingPongRounds(on: runtime, rounds: 5) == 5)
    }

    /// The data stack itself refuses a push that does not fit and a pop of more than
    /// is saved, leaving the position unchanged; pushes and pops are LIFO.
    @Test func dataStackIsLIFOAndNeverPassesItsEnds() {
        let memory = UnsafeMutableRawBufferPointer.allocate(byteCount: 16, alignment: 16)
        defer { memory.deallocate() }
        var stack = AsyncifyDataStack(area: memory)
        let first = stack.push(byteCount: 4)
        first?.storeBytes(of: 7, as: Int32.self)
        let second = stack.push(byteCount: 8)
        second?.storeBytes(of: 99, as: Int64.self)  // unaligned: frames are packed
        #expect(stack.bytesUsed == 12)
        #expect(stack.push(byteCount: 5) == nil)
        #expect(stack.bytesUsed == 12)
        #expect(stack.pop(byteCount: 8)?.loadUnaligned(as: Int64.self) == 99)
        #expect(stack.pop(byteCount: 4)?.load(as: Int32.self) == 7)
        #expect(stack.pop(byteCount: 1) == nil)
        #expect(stack.position == stack.start)
    }
}

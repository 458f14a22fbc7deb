import Asyncify
import TBCodegen
import TBRuntime
import Testing

/// A helper called from a TB throws (a trap in the helper) in one fiber while
/// other fibers are suspended inside the same TB instance: the error names the
/// failing fiber and the others finish with exactly the results they would have
/// had alone, each helper call made once.
@Suite struct TBHelperFaultTests {
    struct HelperTrap: Error, Equatable { let iteration: UInt64 }

    static let iterations = LoopingTB.iterations
    static let pc = LoopingTB.pc

    /// ``LoopingTB``; `h_yield` gets r1 and the iteration count r3.
    static func loopingTB() throws -> TranslationBlock { try LoopingTB.make(yieldArguments: [.r1, .r3]) }

    /// Four fibers, each on its own CPU (r0 = number + 1), round-robin through the
    /// TB; the helper throws in fiber 2 at its third iteration, before yielding.
    @Test(arguments: [0, Int.max])
    func helperTrapInOneFiberLeavesTheOthersIntact(threshold: Int) throws {
        let k = 4
        let failing = 2
        var configuration = TBRuntimeConfiguration()
        configuration.mode = .perFiber
        configuration.compileThreshold = threshold
        let runtime = try TBRuntime(configuration: configuration)
        runtime.install(try Self.loopingTB())
        let fibers = FiberRuntime()
        let main = fibers.makeFiberFromCurrentContext(name: "scheduler")
        let cpus = try LoopingTB.makeCPUs(runtime, count: k)
        let workers = (0..<k).map { fibers.allocateFiber(name: "cpu \($0)") }
        // (fiber, iteration) of every helper call made in state normal: a replayed
        // call would appear twice, a lost one not at all.
        let calls = Box<[[UInt64]]>(Array(repeating: [], count: k))
        let done = Box([Bool](repeating: false, count: k))
        // Set from outside once `run` reports the failure (no capture of `fibers`:
        // its entries would keep it alive).
        let failed = Box([Bool](repeating: false, count: k))
        runtime.registerHelper("h_yield") { call, args in
            var frame = call.fibers.enter()
            if frame.isRewinding { try frame.restore() }
            let me = try #require(call.fibers.currentFiber)
            let index = workers.firstIndex(of: me)!
            if frame.isNormal {
                if index == failing && args[1] == 2 { throw HelperTrap(iteration: args[1]) }
                calls.value[index].append(args[1])
            }
            try call.fibers.swap(from: me, to: main)
            if try frame.unwinding(at: 1) { return 0 }
            return 0
        }
        for i in 0..<k {
            let (me, cpu) = (workers[i], cpus[i])
            try fibers.initialize(me, asyncifyStackSize: 1024) { cx, _ in
                var frame = cx.enter()
                if frame.isRewinding { try frame.restore() }
                if frame.calls(1) {
                    _ = try runtime.execute(cx, cpu: cpu, pc: Self.pc)
                    if try frame.unwinding(at: 1) { return }
                    done.value[i] = true
                }
                while true {
                    try cx.swap(from: me, to: main)
                    if try frame.unwinding(at: 2) { return }
                }
            }
        }
        let limit = k * (Int(Self.iterations) + 2)
        let scheduler: FiberEntry = { cx, _ in
            var step = 0
            var frame = cx.enter()
            if frame.isRewinding { step = try frame.restore() }
            while step < limit {
                let target = workers[step % k]
                if frame.isRewinding || (!done.value[step % k] && !failed.value[step % k]) {
                    try cx.swap(from: main, to: target)
                    if try frame.unwinding(at: 1, saving: step) { return }
                }
                step += 1
            }
        }
        let error = #expect(throws: FiberError.self) { try fibers.run(scheduler) }
        #expect(error?.reason == .fiberThrew)
        #expect(error?.fiber == workers[failing])
        #expect(error?.message.contains("cpu \(failing)") == true)
        #expect(fibers.status(of: workers[failing]) == .failed)
        // The helper's own error is kept (wrapped by the TB runtime, then by the core).
        let underlying = String(describing: error?.underlying ?? HelperTrap(iteration: 99))
        let keepsTheHelpersError = underlying.contains("HelperTrap(iteration: 2)")
        #expect(keepsTheHelpersError, "\(underlying)")

        failed.value[failing] = true
        try fibers.resume(main)
        for i in 0..<k where i != failing {
            let registers = runtime.registers(of: cpus[i])
            #expect(done.value[i], "cpu \(i)")
            #expect(registers[.r1] == UInt64(i + 1) * Self.iterations, "cpu \(i)")
            #expect(registers[.r3] == Self.iterations, "cpu \(i)")
            #expect(calls.value[i] == [0, 1, 2, 3], "cpu \(i)")
        }
        #expect(calls.value[failing] == [0, 1])
        #expect(!done.value[failing])
    }
}

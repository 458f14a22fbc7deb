// A translation block whose helper switches fibers: two CPUs run the same TB,
// each in its own fiber, and every call of the helper `h_step` swaps to a
// round-robin scheduler. Both CPUs are then suspended inside the same TB (in
// one Wasm module instance), and each resumes with its own registers.
//
//   swift run TBScheduler      prints who yields when, then each CPU's r3

import Asyncify
import TBCodegen
import TBRuntime

/// State the helper, the CPU fibers and the scheduler share.
final class Board {
    var done: [Bool]
    init(cpus: Int) { done = Array(repeating: false, count: cpus) }
}

// r3 = h_step(r3, r1) for r1 = 5, 4, ..., 1.
let tb = try TranslationBlock(
    parsing: """
        .pc 0x1000
                movi r1, 5
                movi r2, 1
        loop:
                call h_step r3 <- r3, r1
                sub r1, r1, r2
                brcond ne r1, r0, loop
                exit_tb 0
        """)

var configuration = TBRuntimeConfiguration()
configuration.compileThreshold = 0  // run the TB as Wasm from its first run
configuration.maximumCPUs = 2
let runtime = try TBRuntime(configuration: configuration)
runtime.install(tb)

let fibers = FiberRuntime()
let scheduler = fibers.mainFiber
let board = Board(cpus: 2)

// A helper is a participating function: `call.fibers` is the fiber context
// of the TB that calls it, and `cx.swap(to:)` swaps out of the fiber running
// that TB (`call.fibers.currentFiber`).
runtime.registerHelper("h_step") { call, args in
    var frame = call.fibers.enter()
    if frame.isRewinding { try frame.restore() }
    if frame.isNormal {
        print("cpu \(call.cpu.index) (\(call.fibers.currentFiber!)) yields in h_step(\(args[0]), \(args[1]))")
    }
    try call.fibers.swap(to: scheduler)
    if try frame.unwinding(at: 1) { return 0 }
    return args[0] &* 10 &+ args[1]
}

var cpus: [TBCPU] = []
var workers: [Fiber] = []
for index in 0..<2 {
    let cpu = try runtime.makeCPU()
    var registers = TBRegisters()
    registers[.r3] = UInt64(index) * 7  // cpu 0 starts from 0, cpu 1 from 7
    runtime.setRegisters(registers, of: cpu)
    cpus.append(cpu)
    workers.append(
        fibers.makeFiber(name: "cpu \(index)") { cx, me in
            var frame = cx.enter()
            if frame.isRewinding { try frame.restore() }
            if frame.calls(1) {
                _ = try runtime.execute(cx, cpu: cpu, pc: tb.pc)
                if try frame.unwinding(at: 1) { return }
                board.done[index] = true
            }
            while true {  // an entry never returns: park with the scheduler
                try cx.swap(to: scheduler)
                if try frame.unwinding(at: 2) { return }
            }
        })
}

try fibers.run { cx in
    var next = 0
    var frame = cx.enter()
    if frame.isRewinding { next = try frame.restore() }
    // On a rewind the loop must lead back to the swap it left from, so test
    // isRewinding before anything that changed while the scheduler was away.
    while frame.isRewinding || board.done.contains(false) {
        if frame.isRewinding || !board.done[next] {
            try cx.swap(to: workers[next])
            if try frame.unwinding(at: 1, saving: next) { return }
        }
        next = (next + 1) % workers.count
    }
}

for (index, cpu) in cpus.enumerated() {
    print("cpu \(index): r3 = \(runtime.registers(of: cpu)[.r3])")
}

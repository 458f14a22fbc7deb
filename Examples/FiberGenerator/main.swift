// A generator fiber hands Fibonacci numbers to the main fiber, one per swap.
// Each side keeps its state across swaps only in its Asyncify frame: a swap
// unwinds the running fiber's frames into its buffer and the next swap into
// it rewinds them.
//
//   swift run FiberGenerator      prints the first ten numbers and their sum

import Asyncify

/// What the two fibers share: the value being handed over.
final class Mailbox {
    var value = 0
}

let runtime = FiberRuntime()
let mailbox = Mailbox()
// The fiber `run { cx in ... }` runs as; the generator swaps back to it.
let main = runtime.mainFiber

let generator = runtime.makeFiber(name: "fibonacci") { cx, me in
    var (a, b) = (0, 1)
    var frame = cx.enter()
    if frame.isRewinding { (a, b) = try frame.restore() }  // back from a swap: reload a and b
    while true {
        if frame.isNormal { mailbox.value = a }  // not run again on the rewind
        try cx.swap(to: main)  // call site 1
        if try frame.unwinding(at: 1, saving: (a, b)) { return }  // save a and b, return
        (a, b) = (b, a + b)
    }
}

try runtime.run { cx in
    var (taken, sum) = (0, 0)
    var frame = cx.enter()
    if frame.isRewinding { (taken, sum) = try frame.restore() }
    // A rewind must reach the swap again, whatever the loop condition says now.
    while frame.isRewinding || taken < 10 {
        try cx.swap(to: generator)
        if try frame.unwinding(at: 1, saving: (taken, sum)) { return }
        print(mailbox.value, terminator: taken < 9 ? " " : "\n")
        sum += mailbox.value
        taken += 1
    }
    print("sum \(sum)")
}

// Drives a module that Binaryen's Asyncify pass instrumented (sum.wat, built
// into Resources/sum.wasm by build.sh) from Swift: its import env.next_value
// suspends the module until the host has a value, and the host resumes it.
//
//   swift run HostResume      prints each suspension, the running totals, the sum

import AsyncifyHost
import Foundation
import WasmBinary
import WasmInterpreter

/// What the imports share with the loop below.
final class Driver {
    /// Wake-ups of the sleeps in flight (one at a time here).
    var pending: [WakeUp] = []
    /// What env.report received.
    var totals: [Int32] = []
}

// The module ships as a resource of this executable (see Package.swift).
guard let url = Bundle.module.url(forResource: "sum", withExtension: "wasm") else {
    fatalError("sum.wasm is missing from the bundle")
}
let module = try Module(decoding: [UInt8](Data(contentsOf: url)))
try module.validate()

let driver = Driver()
let imports = [
    // Listed in asyncify-imports (build.sh), so it may suspend: isAsync.
    HostImport(name: "next_value", isAsync: true) { host, slots in
        // This body runs twice per value: when the sleep starts and on the
        // rewind. Side effects go in the closure, which runs once.
        let value = try host.handleSleep { wakeUp in driver.pending.append(wakeUp) }
        slots.setI32(0, UInt32(truncatingIfNeeded: value))
    },
    HostImport(name: "report") { _, slots in
        driver.totals.append(Int32(bitPattern: slots.i32(0)))
    },
]
// The module has no malloc: the first sleep grows its memory for the
// Asyncify data (or set host.sleepDataArea to a free area yourself).
let host = try AsyncifyInstance(module: module, imports: imports)

var outcome = try host.invoke("sum", [.i32(3)])
var next: Int32 = 10
while case .suspended = outcome, let wakeUp = driver.pending.popLast() {
    print("sum suspended in next_value; resuming with \(next)")
    outcome = try wakeUp.resume(with: UInt64(UInt32(bitPattern: next))) ?? .suspended
    next += 10
}
guard case .returned(let results) = outcome, case .i32(let sum)? = results.first else {
    fatalError("sum did not return an i32: \(outcome)")
}
print("running totals: \(driver.totals.map(String.init).joined(separator: " "))")
print("sum = \(Int32(bitPattern: sum))")

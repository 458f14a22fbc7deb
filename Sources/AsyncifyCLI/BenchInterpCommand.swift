// `asyncify bench-interp [--dir Benchmarks/wasm] [--wasmkit PATH] [--node PATH] [--runs N] [--only FILE-PREFIX]`:
// runs the same four modules on our interpreter and our native tier (in
// process: decode, instantiate, compile, call), under node (V8; a small JS
// driver times the same span inside the node process, see
// BenchInterpCommand+Node.swift) and on `wasmkit run` (a subprocess), and
// prints the time ratios for each. Times are CPU time (user + system, from
// getrusage / process.cpuUsage), which a shared, loaded machine disturbs far
// less than wall-clock time. WasmKit's process start-up (measured with a
// trivial call, `fib i64:0`) is subtracted from its times; each figure is
// the best of N runs. A column whose tool is missing is skipped with a note.
// Build with `-c release` for meaningful numbers.

import Foundation
import WasmBinary
import WasmInterpreter

enum BenchInterpCommand {
    struct Case {
        var label: String
        var file: String
        var function: String
        var arguments: [String]
    }

    static let cases = [
        Case(label: "fib(30), recursive i64 calls", file: "fib.wasm", function: "fib", arguments: ["i64:30"]),
        Case(
            label: "integer loop, 10^8 iterations", file: "loop.wasm", function: "sumsq",
            arguments: ["i32:100000000"]),
        Case(label: "CRC-32 over 16 MiB", file: "crc32.wasm", function: "crc32", arguments: ["i32:16777216"]),
        Case(
            label: "host-import loop, 2*10^6 calls", file: "hostcall.wasm", function: "_start", arguments: []),
    ]

    static let usage =
        "usage: asyncify bench-interp [--dir D] [--wasmkit PATH] [--node PATH] [--runs N] [--only FILE-PREFIX]"

    static func main(_ arguments: [String]) -> Int32 {
        var directory = "Benchmarks/wasm"
        var wasmkit = "/opt/swift/usr/bin/wasmkit"
        var node = findNode() ?? ""
        var runs = 3
        var only = ""
        var k = 0
        while k < arguments.count {
            let known = ["--dir", "--wasmkit", "--node", "--runs", "--only"]
            guard known.contains(arguments[k]) else {
                return Usage.unknownOption(arguments[k], of: "bench-interp", known: known, usage: usage)
            }
            guard k + 1 < arguments.count else {
                return Usage.fail("bench-interp: \(arguments[k]) needs a value")
            }
            switch arguments[k] {
            case "--dir": directory = arguments[k + 1]
            case "--wasmkit": wasmkit = arguments[k + 1]
            case "--node": node = arguments[k + 1]
            case "--runs": runs = max(Int(arguments[k + 1]) ?? 3, 1)
            case "--only": only = arguments[k + 1]
            default: break
            }
            k += 2
        }
        let hasWasmKit = FileManager.default.isExecutableFile(atPath: wasmkit)
        let hasNode = FileManager.default.isExecutableFile(atPath: node)
        if !hasWasmKit { print("skipped: wasmkit not installed (no wasmkit column)") }
        if !hasNode { print("skipped: node not installed (no node column)") }
        var driver: String?
        defer { if let driver { try? FileManager.default.removeItem(atPath: driver) } }
        do {
            if hasNode { driver = try writeNodeDriver() }
            let startup =
                hasWasmKit
                ? try best(runs) { try runWasmKit(wasmkit, "\(directory)/fib.wasm", "fib", ["i64:0"]) } : nil
            if let startup { print("wasmkit start-up (subtracted): \(format(startup))") }
            print("CPU times, best of \(runs)")
            let native = nativeHost()
            print(
                "| benchmark | interpreter | native | node | wasmkit | speed-up native vs interpreter "
                    + "| ratio native/node | ratio interpreter/node | ratio interpreter/wasmkit |")
            print("|---|---|---|---|---|---|---|---|---|")
            for c in cases where only.isEmpty || c.file.hasPrefix(only) {
                let path = "\(directory)/\(c.file)"
                var ourResult = ""
                var nativeResult = ""
                var nodeResult = ""
                let ours = try best(runs) {
                    let start = cpuTime(children: false)
                    ourResult = try runOurs(path, c.function, c.arguments, engine: .interpreter)
                    return cpuTime(children: false) - start
                }
                let compiled =
                    native
                    ? try best(runs) {
                        let start = cpuTime(children: false)
                        nativeResult = try runOurs(path, c.function, c.arguments, engine: .native)
                        return cpuTime(children: false) - start
                    } : nil
                let v8 =
                    try driver.map { driver in
                        try best(runs) {
                            let (time, result) = try runNode(
                                node, driver: driver, path, c.function, c.arguments)
                            nodeResult = result
                            return time
                        }
                    }
                let theirs =
                    try startup.map { startup in
                        try best(runs) { try runWasmKit(wasmkit, path, c.function, c.arguments) } - startup
                    }
                func ratio(_ x: Duration?, _ y: Duration?) -> String {
                    guard let x, let y else { return "-" }
                    return String(format: "%.2f", seconds(x) / max(seconds(y), 1e-9))
                }
                print(
                    "| \(c.label) | \(format(ours)) | \(compiled.map(format) ?? "-") | \(v8.map(format) ?? "-") "
                        + "| \(theirs.map(format) ?? "-") | \(ratio(ours, compiled)) | \(ratio(compiled, v8)) "
                        + "| \(ratio(ours, v8)) | \(ratio(ours, theirs)) |")
                if !ourResult.isEmpty { print("  (our result: \(ourResult))") }
                if native && nativeResult != ourResult {
                    print("  (native result differs: \(nativeResult))")
                    return 1
                }
                if driver != nil && nodeResult != ourResult {
                    print("  (node result differs: \(nodeResult))")
                    return 1
                }
            }
            if only.isEmpty { try crossingCost(directory) }
            return 0
        } catch {
            FileHandle.standardError.write(Data("asyncify bench-interp: \(error)\n".utf8))
            return 1
        }
    }

    /// Whether the native tier runs here (x86-64 Linux).
    static func nativeHost() -> Bool {
        #if arch(x86_64) && os(Linux)
            true
        #else
            false
        #endif
    }

    /// User + system CPU time of this process or of its waited-for children.
    static func cpuTime(children: Bool) -> Duration {
        var usage = rusage()
        #if os(Linux)
            getrusage(__rusage_who_t((children ? RUSAGE_CHILDREN : RUSAGE_SELF).rawValue), &usage)
        #else
            getrusage(children ? RUSAGE_CHILDREN : RUSAGE_SELF, &usage)
        #endif
        let micro =
            (Int64(usage.ru_utime.tv_sec) + Int64(usage.ru_stime.tv_sec)) * 1_000_000
            + Int64(usage.ru_utime.tv_usec) + Int64(usage.ru_stime.tv_usec)
        return .microseconds(micro)
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }

    static func format(_ d: Duration) -> String { String(format: "%.3f s", seconds(d)) }

    static func best(_ runs: Int, _ body: () throws -> Duration) throws -> Duration {
        var result = Duration.seconds(1_000_000)
        for _ in 0..<runs { result = min(result, try body()) }
        return result
    }

    /// The Swift -> Wasm crossing on its own: 10^6 calls of `sumsq(0)`, which
    /// returns at once, through a resolved ``Function`` handle (ours only:
    /// `wasmkit run` cannot be called from Swift in process).
    static func crossingCost(_ directory: String) throws {
        let instance = try Instance(
            module: try RunCommand.loadModule("\(directory)/loop.wasm"), store: Store(), imports: Imports())
        let f = try instance.exportedFunction("sumsq")
        let n = 1_000_000
        let start = cpuTime(children: false)
        for _ in 0..<n { _ = try f.call([.i32(0)]) }
        let perCall = seconds(cpuTime(children: false) - start) / Double(n) * 1e9
        print(
            "Swift -> Wasm call of an export that returns at once: \(String(format: "%.0f", perCall)) ns per call"
        )
        var slots: [UInt64] = [0]
        let rawStart = cpuTime(children: false)
        try slots.withUnsafeMutableBufferPointer { buffer in
            for _ in 0..<n {
                buffer[0] = 0
                try f.callRaw(buffer)
            }
        }
        let rawPerCall = seconds(cpuTime(children: false) - rawStart) / Double(n) * 1e9
        print("  the same through callRaw (no arrays): \(String(format: "%.0f", rawPerCall)) ns per call")
    }

    /// Decodes, instantiates and calls, with a WASI `args_sizes_get` in Swift for the host-call case.
    static func runOurs(_ path: String, _ function: String, _ arguments: [String], engine: Store.Engine)
        throws -> String
    {
        let module = try RunCommand.loadModule(path)
        let store = Store(configuration: .init(engine: engine))
        var imports = Imports()
        let sizes = Function(
            store: store, type: FunctionType(parameters: [.i32, .i32], results: [.i32])
        ) { caller, slots in
            if let memory = caller.memory {
                try memory.store(UInt32(1), at: UInt64(slots.i32(0)))
                try memory.store(UInt32(8), at: UInt64(slots.i32(1)))
            }
            slots.setI32(0, 0)
        }
        imports.define(module: "wasi_snapshot_preview1", name: "args_sizes_get", .function(sizes))
        let instance = try Instance(module: module, store: store, imports: imports)
        let results = try instance.call(function, try arguments.map(RunCommand.parseValue))
        return results.map(\.description).joined(separator: " ")
    }

    static func runWasmKit(_ wasmkit: String, _ path: String, _ function: String, _ arguments: [String])
        throws
        -> Duration
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: wasmkit)
        process.arguments = ["run", path] + (function == "_start" ? [] : [function]) + arguments
        process.standardOutput = FileHandle.nullDevice
        let start = cpuTime(children: true)
        try process.run()
        process.waitUntilExit()
        let elapsed = cpuTime(children: true) - start
        guard process.terminationStatus == 0 else {
            throw CommandLineSupport.Failure(
                .toolFailed, "wasmkit run \(path) exited with \(process.terminationStatus)")
        }
        return elapsed
    }
}

// switch-bench rows for fiber swaps inside an Asyncify-instrumented module
// (Benchmarks/asyncify-host/swapbench.c, emcc -sASYNCIFY -sSTANDALONE_WASM)
// on our interpreter, at depths 1, 4, 16 and 64; and, when emcc and node are
// installed, the same C source built for JS and run under node in the same
// run, with the ratio ours / node (lower is better; target <= 1 at 1-16).

import AsyncifyHost
import Foundation
import WasmBinary

enum HostRows {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("asyncify-host")

    /// Prints one row per depth. `swaps` one-way swaps per measurement, best of `runs`.
    static func run(swaps: Int = 20_000, nodeSwaps: Int = 200_000, runs: Int = 3) {
        print("## Fiber swaps in an instrumented module (AsyncifyHost on our interpreter vs node)")
        do {
            let data = try Data(contentsOf: directory.appendingPathComponent("swapbench.wasm"))
            let module = try Module(decoding: [UInt8](data))
            try module.validate()
            let node = NodeReference(nodeSwaps: nodeSwaps)
            if let skipped = node.skipped { print(skipped) }
            print("depth  ours ns/swap  node ns/swap  ours/node")
            for depth in [1, 4, 16, 64] {
                var best = Double.infinity
                for _ in 0..<runs {
                    best = min(
                        best,
                        try HostBenchmarks.swapLoop(module: module, depth: depth, swaps: swaps)
                            .nanosecondsPerSwap)
                }
                let theirs = node.nanosecondsPerSwap(depth: depth, runs: runs)
                let columns = [
                    String(depth).padding(toLength: 5, withPad: " ", startingAt: 0),
                    format(best).padding(toLength: 13, withPad: " ", startingAt: 0),
                    (theirs.map { format($0) } ?? "-").padding(toLength: 13, withPad: " ", startingAt: 0),
                    theirs.map { format(best / $0, digits: 2) } ?? "-",
                ]
                print(columns.joined(separator: "  "))
            }
        } catch {
            print("host swap rows failed: \(error)")
        }
    }

    static func format(_ value: Double, digits: Int = 1) -> String {
        String(format: "%.\(digits)f", value)
    }
}

/// The JS build of swapbench.c under node (built into a temporary directory).
struct NodeReference {
    var script: String?
    var node: String?
    var skipped: String?
    let nodeSwaps: Int

    init(nodeSwaps: Int) {
        self.nodeSwaps = nodeSwaps
        guard let emcc = Self.find("emcc") else {
            skipped = "skipped: emcc not installed"
            return
        }
        guard let node = Self.find("node") else {
            skipped = "skipped: node not installed"
            return
        }
        let temporary = FileManager.default.temporaryDirectory.appendingPathComponent(
            "swapbench-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: true)
        let js = temporary.appendingPathComponent("swapbench.js").path
        let source = HostRows.directory.appendingPathComponent("swapbench.c").path
        guard
            let (status, _) = try? Self.run(
                emcc, ["-O2", "-sASYNCIFY", "-sEXIT_RUNTIME=1", source, "-o", js]),
            status == 0
        else {
            skipped = "skipped: emcc failed to build swapbench.js"
            return
        }
        self.node = node
        script = js
    }

    /// Best of `runs`; node's own clock around the swap loop (start-up excluded).
    func nanosecondsPerSwap(depth: Int, runs: Int) -> Double? {
        guard let node, let script else { return nil }
        var best: Double?
        for _ in 0..<runs {
            guard
                let (status, output) = try? Self.run(
                    node, ["--no-experimental-fetch", script, "\(depth)", "\(nodeSwaps)"]),
                status == 0
            else { return nil }
            // "swaps N ns T"
            let fields = output.split(whereSeparator: { $0 == " " || $0 == "\n" })
            guard fields.count >= 4, let swaps = Double(fields[1]), let ns = Double(fields[3]), swaps > 0
            else { return nil }
            best = min(best ?? .infinity, ns / swaps)
        }
        return best
    }

    static func find(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }

    static func run(_ executable: String, _ arguments: [String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["NODE_PATH"] = environment["NODE_PATH"] ?? "/usr/share/nodejs"
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

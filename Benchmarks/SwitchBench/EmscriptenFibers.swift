import Foundation

/// Emscripten fibers under node: the real Asyncify, as a C program built with
/// `emcc -O2 -sASYNCIFY` at bench time (cached in a temporary directory) and
/// run with node. Skipped, with a note on stderr, when emcc or node is absent.
enum EmscriptenFibers {
    static let implementation = "emscripten-node"

    static let producer = MeasurementProducer(
        name: implementation,
        kind: .rounds { config in
            guard let emcc = findExecutable("emcc"), let node = findExecutable("node") else {
                printProgress("emscripten-node: skipped (needs emcc and node on PATH)")
                return nil
            }
            guard let source = locateSource() else {
                printProgress("emscripten-node: skipped (Benchmarks/emscripten/fiber_bench.c not found)")
                return nil
            }
            let script = try build(source: source, emcc: emcc)
            return try calibratedRounds(
                implementation: implementation, config: config, progress: "under node"
            ) {
                try runProcess(node, ["--no-experimental-fetch", script.path] + $0)
            }
        })

    /// Rows from fiber_bench.c however it runs (`runProgram` gets its
    /// arguments, `options` before the depths, and returns its stdout): one calibration run at the asked
    /// depths, then every round runs the same round trips per depth (half of
    /// what the calibration run fitted into the minimum run time).
    static func calibratedRounds(
        implementation: String, config: BenchConfig, progress: String, options: [String] = [],
        runProgram: @escaping @Sendable ([String]) throws -> String
    ) throws -> RoundSource {
        let minMilliseconds = String(Double(config.minRunNanoseconds) / 1e6)
        @Sendable func run(_ depths: [String]) throws -> [Line] {
            let lines = try parseLines(runProgram(["1", minMilliseconds] + options + depths))
            guard lines.map(\.depth) == config.depths else {
                throw BenchError(
                    description:
                        "\(implementation): asked for depths \(config.depths), got \(lines.map(\.depth))")
            }
            return lines
        }
        printProgress("calibrating \(implementation) \(progress)")
        let calibrated = try run(config.depths.map(String.init)).map { "\($0.depth):\($0.swaps / 2)" }
        return RoundSource(name: implementation) {
            try run(calibrated).map {
                Measurement(
                    implementation: implementation, depth: $0.depth, samples: [$0.nanosecondsPerSwap],
                    asyncifyBytes: $0.asyncifyBytes)
            }
        }
    }

    /// One line of the program's output.
    struct Line: Equatable {
        var depth: Int
        var swaps: Int
        var nanosecondsPerSwap: Double
        var asyncifyBytes: Int
    }

    /// Parses lines `depth D run R swaps N ns_per_swap X asyncify_bytes B`.
    static func parseLines(_ output: String) throws -> [Line] {
        try output.split(separator: "\n").map { line in
            let fields = line.split(separator: " ")
            guard fields.count == 10, fields[0] == "depth", fields[4] == "swaps", fields[6] == "ns_per_swap",
                fields[8] == "asyncify_bytes", let depth = Int(fields[1]), let swaps = Int(fields[5]),
                let ns = Double(fields[7]), let bytes = Int(fields[9])
            else {
                throw BenchError(description: "emscripten-node: unexpected output line '\(line)'")
            }
            return Line(depth: depth, swaps: swaps, nanosecondsPerSwap: ns, asyncifyBytes: bytes)
        }
    }

    /// Parses the output into one row per depth, in first-seen order.
    static func parse(_ output: String) throws -> [Measurement] {
        var rows: [Measurement] = []
        for line in try parseLines(output) {
            if let index = rows.firstIndex(where: { $0.depth == line.depth }) {
                rows[index].samples.append(line.nanosecondsPerSwap)
            } else {
                rows.append(
                    Measurement(
                        implementation: implementation, depth: line.depth, samples: [line.nanosecondsPerSwap],
                        asyncifyBytes: line.asyncifyBytes))
            }
        }
        return rows
    }

    /// Builds the JS + Wasm for node once per source text and emcc version.
    static func build(source: URL, emcc: URL) throws -> URL {
        let directory = try cacheDirectory(source: source, emcc: emcc)
        let script = directory.appendingPathComponent("fiber_bench.js")
        if FileManager.default.fileExists(atPath: script.path) { return script }
        printProgress("building Benchmarks/emscripten/fiber_bench.c for node (cached in \(directory.path))")
        let partial = directory.appendingPathComponent("building-\(getpid()).js")
        _ = try runProcess(
            emcc, ["-O2", "-sASYNCIFY", "-o", partial.path, source.path], environment: emccEnvironment())
        // emcc names the .wasm after the output; keep the pair consistent.
        let partialWasm = directory.appendingPathComponent("building-\(getpid()).wasm")
        var js = try String(contentsOf: partial, encoding: .utf8)
        js = js.replacingOccurrences(of: "building-\(getpid()).wasm", with: "fiber_bench.wasm")
        try? FileManager.default.removeItem(at: directory.appendingPathComponent("fiber_bench.wasm"))
        try FileManager.default.moveItem(
            at: partialWasm, to: directory.appendingPathComponent("fiber_bench.wasm"))
        try js.write(to: script, atomically: true, encoding: .utf8)
        try? FileManager.default.removeItem(at: partial)
        return script
    }

    /// Builds the standalone (WASI) Wasm for our own host once per source text
    /// and emcc version: the same program, instrumented by the same Asyncify pass.
    static func buildStandalone(source: URL, emcc: URL) throws -> URL {
        let directory = try cacheDirectory(source: source, emcc: emcc)
        let wasm = directory.appendingPathComponent("fiber_bench-standalone.wasm")
        if FileManager.default.fileExists(atPath: wasm.path) { return wasm }
        printProgress("building Benchmarks/emscripten/fiber_bench.c standalone (cached in \(directory.path))")
        let partial = directory.appendingPathComponent("building-\(getpid())-standalone.wasm")
        _ = try runProcess(
            emcc,
            [
                "-O2", "-sASYNCIFY", "-sSTANDALONE_WASM", "-sERROR_ON_UNDEFINED_SYMBOLS=0", "-o",
                partial.path,
                source.path,
            ], environment: emccEnvironment())
        try FileManager.default.moveItem(at: partial, to: wasm)
        return wasm
    }

    /// A temporary directory named after the source text and the emcc version.
    static func cacheDirectory(source: URL, emcc: URL) throws -> URL {
        let text = try String(contentsOf: source, encoding: .utf8)
        let version = (try? runProcess(emcc, ["--version"])) ?? ""
        let key = String(fnv1a(text + "\n" + version), radix: 16)
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("swift-asyncify-switch-bench-\(key)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    /// Debian's emcc finds its node modules only through NODE_PATH.
    static func emccEnvironment() -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        if FileManager.default.fileExists(atPath: "/usr/share/nodejs") {
            environment["NODE_PATH"] = [environment["NODE_PATH"], "/usr/share/nodejs"]
                .compactMap { $0 }.joined(separator: ":")
        }
        return environment
    }

    /// The C source, next to this file in a checkout, or under the current directory.
    static func locateSource() -> URL? {
        let here = URL(fileURLWithPath: #filePath)
        let candidates = [
            here.deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("emscripten/fiber_bench.c"),
            URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
                .appendingPathComponent("Benchmarks/emscripten/fiber_bench.c"),
        ]
        return candidates.first { FileManager.default.fileExists(atPath: $0.path) }
    }
}

/// 64-bit FNV-1a, for cache keys.
func fnv1a(_ text: String) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in text.utf8 {
        hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
    }
    return hash
}

/// Command-line options of `switch-bench` (hand-parsed; no packages).
struct Options {
    var quick = false
    var csvPath: String?
    var svgPath: String?
    var runs: Int?
    var showHelp = false
    /// Rows to measure (`--only`); nil measures every row.
    var only: Set<String>?
    /// Internal: run one memory probe and print its line (see `MemoryProducer`).
    var memoryProbe: String?

    static let usage = """
        usage: switch-bench [--quick] [--runs N] [--only ROW,...] [--csv FILE] [--svg FILE]

        Measures what one fiber switch costs, next to native and Emscripten baselines.
          --quick       fewer, shorter runs (under 30 s; for CI)
          --runs N      repetitions per measurement (default 15, 3 with --quick)
          --csv FILE    also write implementation,depth,median_ns,min_ns,runs
          --svg FILE    also write a plot of ns per swap against call depth
          --only ROWS   measure only these rows (comma-separated implementation
                        names, e.g. emscripten-node,asyncify-module); skips the
                        memory and TB figures unless 'memory' or 'tb' is listed
          --help        show this text
        The table goes to stdout, progress to stderr.

        Rows: asyncify-fiber (our fibers), native-asm and ucontext (C baselines),
        swift-async (UnsafeContinuation handoff), swift-call (plain call),
        emscripten-node (emcc -sASYNCIFY under node; needs emcc and node) and
        asyncify-module (the same program on our host; needs emcc),
        asyncify-host (the committed swapbench.wasm on our host), tb-frame and
        tb-frame-instance-globals (swaps with a translation block's Wasm frame on the
        stack; resumption state per fiber, or in instance globals as QEMU's Wasm TCG
        backend keeps it). These run on the default Wasm engine (the native tier on
        x86-64 Linux); asyncify-module-interpreter, asyncify-host-interpreter and
        tb-frame-interpreter are the same on our Wasm interpreter.
        After the table: TB code generation cost and the TB workload on each engine.
        """

    /// Parses the arguments after the program name.
    init(arguments: [String]) throws(BenchError) {
        var index = 0
        func value(for option: String) throws(BenchError) -> String {
            index += 1
            guard index < arguments.count, !arguments[index].hasPrefix("--") else {
                throw BenchError(description: "option \(option) needs a value")
            }
            return arguments[index]
        }
        while index < arguments.count {
            let argument = arguments[index]
            switch argument {
            case "--quick": quick = true
            case "--csv": csvPath = try value(for: argument)
            case "--svg": svgPath = try value(for: argument)
            case "--runs":
                let text = try value(for: argument)
                guard let count = Int(text), (1...1000).contains(count) else {
                    throw BenchError(description: "--runs wants a whole number from 1 to 1000, not '\(text)'")
                }
                runs = count
            case "--only":
                let text = try value(for: argument)
                let names = text.split(separator: ",").map { String($0) }
                let unknown = names.filter { !Self.rowNames.contains($0) }
                guard !names.isEmpty, unknown.isEmpty else {
                    throw BenchError(
                        description: "--only: unknown row '\(unknown.first ?? text)'; rows are "
                            + Self.rowNames.sorted().joined(separator: ", "))
                }
                only = Set(names)
            case "--help", "-h": showHelp = true
            case "--memory-probe": memoryProbe = try value(for: argument)
            default: throw BenchError(description: "unknown argument '\(argument)'")
            }
            index += 1
        }
    }

    /// Names `--only` accepts: every row, plus `memory` and `tb` for the figures after the table.
    static let rowNames: Set<String> = [
        "asyncify-fiber", "native-asm", "ucontext", "swift-async", "swift-call", "emscripten-node",
        "asyncify-module", "asyncify-module-interpreter", "asyncify-host", "asyncify-host-interpreter",
        "tb-frame", "tb-frame-instance-globals", "tb-frame-interpreter", "memory", "tb",
    ]

    /// Whether the row (or figure group) `name` is to be measured.
    func includes(_ name: String) -> Bool { only?.contains(name) ?? true }

    /// How hard to measure.
    var config: BenchConfig {
        BenchConfig(
            depths: [1, 4, 16, 64],
            runs: runs ?? (quick ? 3 : 15),
            minRunNanoseconds: quick ? 10_000_000 : 30_000_000,
            idleFiberCount: 10_000)
    }
}

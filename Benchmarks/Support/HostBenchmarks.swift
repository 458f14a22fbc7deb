import AsyncifyHost
import WasmBinary
import WasmInterpreter

/// Workloads for `switch-bench`: fiber swaps inside an Asyncify-instrumented
/// module (`Benchmarks/asyncify-host/swapbench.c`, built by emcc) on either
/// Wasm engine.
public enum HostBenchmarks {
    /// What ``swapLoop(module:depth:swaps:engine:)`` measured.
    public struct SwapLoopResult: Sendable {
        /// C frames between each fiber's entry and its swap call.
        public let depth: Int
        /// One-way swaps performed.
        public let swaps: Int
        /// Wall time of the swaps, in nanoseconds (a run with no swaps subtracted).
        public let nanoseconds: Double
        /// Nanoseconds per one-way swap.
        public var nanosecondsPerSwap: Double { nanoseconds / Double(max(swaps, 1)) }
    }

    /// Runs `swapbench DEPTH SWAPS` on the host (on `engine`) and times it; the time of the
    /// same run with no swaps (instantiation, fiber set-up, output) is
    /// subtracted, so the result is the cost of the swaps alone.
    ///
    /// - Throws: whatever the host throws; an `AsyncifyHostError` if the
    ///   program does not report the expected number of swaps.
    public static func swapLoop(module: Module, depth: Int, swaps: Int, engine: Store.Engine = .automatic)
        throws -> SwapLoopResult
    {
        let full = try timedRun(module: module, depth: depth, swaps: swaps, engine: engine)
        let baseline = try timedRun(module: module, depth: depth, swaps: 0, engine: engine)
        return SwapLoopResult(depth: depth, swaps: swaps, nanoseconds: max(full - baseline, 0))
    }

    /// One run; returns its wall time in nanoseconds.
    static func timedRun(module: Module, depth: Int, swaps: Int, engine: Store.Engine) throws -> Double {
        var output: [UInt8] = []
        let options = AsyncifyInstance.Options(arguments: ["swapbench", "\(depth)", "\(swaps)"]) { _, bytes in
            output += bytes
        }
        let clock = ContinuousClock()
        let start = clock.now
        let host = try AsyncifyInstance(
            module: module, store: Store(configuration: .init(engine: engine)), options: options)
        let code = try host.runStart()
        let elapsed = start.duration(to: clock.now)
        let text = String(decoding: output, as: UTF8.self)
        guard code == 0, text.hasPrefix("swaps \(swaps) ") else {
            throw AsyncifyHostError(
                .invalidState, "swapbench exited with \(code) and printed \(text.debugDescription)")
        }
        let (seconds, attoseconds) = elapsed.components
        return Double(seconds) * 1e9 + Double(attoseconds) / 1e9
    }
}

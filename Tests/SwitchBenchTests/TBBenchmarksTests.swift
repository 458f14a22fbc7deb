import BenchmarkSupport
import Foundation
import TBRuntime
import Testing

/// The benchmark workloads compute what they claim (sizes kept tiny: timing is
/// for switch-bench, not for tests).
@Suite struct TBBenchmarksTests {
    /// The workload TB leaves the same checksum on the IR interpreter, as Wasm
    /// on our interpreter, and as Wasm under node (V8), and it equals a plain
    /// Swift model of the loop.
    @Test func workloadChecksumAgreesOnEveryEngine() throws {
        let runs = 3
        // Swift model: memory starts zeroed; each run walks the words.
        var words = [UInt64](repeating: 0, count: Int(TBBenchmarks.workloadWords))
        var r2: UInt64 = 0
        for _ in 0..<runs {
            for i in 0..<words.count {
                r2 = r2 &+ words[i]
                r2 ^= r2 &* 0x9E37_79B9_7F4A_7C15
                r2 = r2.rotatedLeft(UInt64(i))
                words[i] = r2
            }
        }
        let ir = try TBBenchmarks.workload(engine: .interpreter, runs: runs)
        let wasm = try TBBenchmarks.workload(engine: .wasm, runs: runs)
        #expect(ir.checksum == r2)
        #expect(wasm.checksum == r2)
        if let node = try TBBenchmarks.workloadOnNode(runs: runs) {
            #expect(node.checksum == r2)
        } else {
            print("skipped: node not installed")
        }
    }

    @Test func swapWithTBFrameCountsEverySwap() throws {
        for depth in [1, 4, 16] {
            let result = try TBBenchmarks.swapWithTBFrame(hostDepth: depth, swaps: 50)
            #expect(result.swaps == 50)
            #expect(result.nanoseconds > 0)
        }
    }

    @Test func codegenCostCoversTheTBs() throws {
        for ops in [10, 100, 1000] {
            #expect(abs(try TBBenchmarks.syntheticTB(opCount: ops).ops.count - ops) <= 2)
        }
        let result = try TBBenchmarks.codegenCost(opCount: 100, samples: 3)
        #expect(abs(result.ops - 100) <= 2)
        #expect(result.bytesPerOp > 1)
    }
}

extension UInt64 {
    fileprivate func rotatedLeft(_ n: UInt64) -> UInt64 {
        let s = n & 63
        return s == 0 ? self : (self << s) | (self >> (64 - s))
    }
}

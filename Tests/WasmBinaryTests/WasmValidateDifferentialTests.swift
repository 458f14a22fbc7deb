// Differential test against wabt's wasm-validate: mutants of spec modules must
// get the same verdict (accepted / rejected) from our decoder + validator as
// from wasm-validate. wabt 1.0.32 is more lenient than the spec in two
// binary-format rules, and only those disagreements are allowed:
//  * a data count section with no data section ("data count and data section
//    have inconsistent lengths" in the spec's reference interpreter);
//  * a constant expression cut off by the end of its section before its `end`.

import Foundation
import TestSupport
import Testing
import WasmBinary

@Suite struct WasmValidateDifferentialTests {
    static func isKnownWabtLeniency(_ error: DecodeError) -> Bool {
        if error.reason == .dataCountInconsistent {
            return true
        }
        let constantExpressionSections: Set<SectionID?> = [.global, .element, .data]
        return (error.reason == .unexpectedEnd || error.reason == .unexpectedEndOfSection)
            && constantExpressionSections.contains(error.section) && error.detail == "expected an opcode"
    }

    @Test func mutantsGetTheSameVerdictAsWasmValidate() throws {
        guard SpecSuite.isAvailable() else { return }
        guard let wasmValidate = ExternalTool.findOrSkip("wasm-validate") else { return }
        let modules = try SpecSuite.commands("module").map { try $0.bytes() }
            .filter { $0.count > 16 && $0.count <= 4096 }
        let dir = try ExternalTool.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var rng = SplitMix64(seed: 42)
        var agreed = 0
        var leniencies = 0
        for i in 0..<400 {
            var input = modules[Int(rng.next() % UInt64(modules.count))]
            switch i % 3 {
            case 0: input[Int(rng.next() % UInt64(input.count))] = UInt8(truncatingIfNeeded: rng.next())
            case 1: input[8 + Int(rng.next() % UInt64(input.count - 8))] ^= 1 << UInt8(rng.next() % 8)
            default: input.removeLast(1 + Int(rng.next() % UInt64(input.count - 8)))
            }
            let file = dir.appendingPathComponent("m\(i).wasm")
            try Data(input).write(to: file)
            let wabtAccepts =
                try ExternalTool.run(wasmValidate, ["--enable-threads", "--enable-memory64", file.path])
                .status == 0
            var ours = "accepted"
            var decodeError: DecodeError?
            do {
                try Module(decoding: input).validate()
            } catch let error as DecodeError {
                ours = "malformed: \(error)"
                decodeError = error
            } catch {
                ours = "invalid: \(error)"
            }
            if wabtAccepts == (ours == "accepted") {
                agreed += 1
            } else if wabtAccepts, let decodeError, Self.isKnownWabtLeniency(decodeError) {
                leniencies += 1
            } else {
                Issue.record(
                    "mutant \(i): wasm-validate \(wabtAccepts ? "accepts" : "rejects"), we say \(ours)")
            }
        }
        print(
            "differential: \(agreed) of 400 mutants agree with wasm-validate, \(leniencies) known wabt leniencies"
        )
        #expect(agreed + leniencies == 400)
    }
}

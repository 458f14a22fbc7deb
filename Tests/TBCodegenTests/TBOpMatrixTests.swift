import Foundation
import TestSupport
import Testing

@testable import TBCodegen

/// Every value op on edge-case operands, emitted and run under node, against
/// the reference interpreter: results are stored to env and the memory images compared.
@Suite struct TBOpMatrixTests {
    static let values: [UInt64] = [
        0, 1, 2, 31, 32, 63, 64, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 1 << 63, UInt64.max, UInt64.max - 1,
        0x1234_5678_9ABC_DEF0,
    ]
    static let conditionValues: [UInt64] = [0, 1, 0x8000_0000, 0xFFFF_FFFF, 1 << 63, UInt64.max]

    /// Builds TBs of at most 480 results each: every result goes to env + 8 * k.
    static func chunks(_ emitters: [(inout TBBuilder) -> Void]) throws -> [TranslationBlock] {
        var tbs: [TranslationBlock] = []
        var start = 0
        while start < emitters.count {
            var b = TBBuilder()
            for (k, emit) in emitters[start..<min(start + 480, emitters.count)].enumerated() {
                emit(&b)
                b.storeEnv(.u64, .r3, offset: Int32(8 * k))
            }
            b.exitTB(1)
            tbs.append(try b.finish())
            start += 480
        }
        return tbs
    }

    static func allTBs() throws -> [TranslationBlock] {
        var ops: [(inout TBBuilder) -> Void] = []
        for w in TBWidth.allCases {
            for op in TBBinaryOp.allCases {
                for a in values {
                    for c in values {
                        ops.append { b in
                            b.movi(.r1, a)
                            b.movi(.r2, c)
                            b.binary(op, .r3, .r1, .r2, width: w)
                        }
                    }
                }
            }
            for op in TBUnaryOp.allCases {
                for a in values {
                    ops.append { b in
                        b.movi(.r1, a)
                        b.unary(op, .r3, .r1, width: w)
                    }
                }
            }
            for cond in TBCond.allCases {
                for a in conditionValues {
                    for c in conditionValues {
                        ops.append { b in
                            b.movi(.r1, a)
                            b.movi(.r2, c)
                            b.setcond(cond, .r3, .r1, .r2, width: w)
                        }
                        ops.append { b in
                            b.negsetcond(cond, .r3, .r1, .r2, width: w)
                        }
                        ops.append { b in
                            b.movi(.r4, 0xAAAA_BBBB_CCCC_DDDD)
                            b.movi(.r5, 0x1111_2222_3333_4444)
                            b.movcond(cond, .r3, .r1, .r2, ifTrue: .r4, ifFalse: .r5, width: w)
                        }
                        ops.append { b in
                            // brcond: r3 = 1 if taken, else 0.
                            let l = b.newLabel()
                            b.movi(.r3, 1)
                            b.brcond(cond, .r1, .r2, l, width: w)
                            b.movi(.r3, 0)
                            b.setLabel(l)
                        }
                    }
                }
            }
        }
        for op in TBExtendOp.allCases {
            for a in values {
                ops.append { b in
                    b.movi(.r1, a)
                    b.extend(op, .r3, .r1)
                }
            }
        }
        for (pos, len) in [(0, 1), (0, 64), (63, 1), (4, 8), (31, 2), (32, 32), (1, 62)] {
            for a in values {
                ops.append { b in
                    b.movi(.r1, a)
                    b.extract(.r3, .r1, position: pos, length: len)
                }
                ops.append { b in b.sextract(.r3, .r1, position: pos, length: len) }
            }
        }
        return try chunks(ops)
    }

    @Test func everyOpAgreesWithNodeOnEdgeValues() throws {
        guard let node = ExternalTool.findOrSkip("node") else { return }
        let dir = try ExternalTool.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let mem = TestMemory()
        try mem.initializeContext()
        let image = mem.bytes
        let tbs = try Self.allTBs()
        #expect(tbs.count > 10)
        for (i, tb) in tbs.enumerated() {
            let expected = TBEmitterTests.reference(tb, initial: image, wraps: false)
            let got = try NodeHarness.run(
                node: node, wasm: TBEmitter.binary(for: tb), image: image, tb: tb, memory64: true, in: dir)
            #expect(
                expected.error == nil && got.error == nil,
                "TB \(i): \(expected.error ?? "") \(got.error ?? "")")
            #expect(got.result == 1 && expected.result == 1)
            if let (offset, a, b) = firstDifference(got.memory, expected.memory) {
                let k = Int(offset) / 8 - Int(TestMemory.env) / 8
                Issue.record("TB \(i): result \(k) differs (node byte \(a), interpreter byte \(b))")
            }
        }
    }

    func firstDifference(_ a: [UInt8], _ b: [UInt8]) -> (UInt64, UInt8, UInt8)? {
        guard let i = a.indices.first(where: { a[$0] != b[$0] }) else { return nil }
        return (UInt64(i), a[i], b[i])
    }
}

import Testing

@testable import TBCodegen

/// Each op's value semantics against hand-checked values and Swift's own arithmetic.
@Suite struct TBSemanticsTests {
    let min64: UInt64 = 1 << 63

    @Test func wrappingArithmeticMatchesSwift() {
        let samples: [UInt64] = [0, 1, 7, 0xFFFF_FFFF, 1 << 63, UInt64.max, 0x1234_5678_9ABC_DEF0]
        for a in samples {
            for b in samples {
                #expect(TBSemantics.binary(.add, .w64, a, b) == a &+ b)
                #expect(TBSemantics.binary(.sub, .w64, a, b) == a &- b)
                #expect(TBSemantics.binary(.mul, .w64, a, b) == a &* b)
                #expect(TBSemantics.binary(.and, .w64, a, b) == a & b)
                #expect(TBSemantics.binary(.or, .w64, a, b) == a | b)
                #expect(TBSemantics.binary(.xor, .w64, a, b) == a ^ b)
                let a32 = UInt32(truncatingIfNeeded: a)
                let b32 = UInt32(truncatingIfNeeded: b)
                #expect(TBSemantics.binary(.add, .w32, a, b) == UInt64(a32 &+ b32))
                #expect(TBSemantics.binary(.mul, .w32, a, b) == UInt64(a32 &* b32))
            }
        }
    }

    @Test func thirtyTwoBitResultsAreZeroExtended() {
        #expect(TBSemantics.binary(.sub, .w32, 0, 1) == 0xFFFF_FFFF)
        #expect(TBSemantics.unary(.neg, .w32, 1) == 0xFFFF_FFFF)
        #expect(TBSemantics.unary(.not, .w32, 0xFFFF_FFFF_0000_0000) == 0xFFFF_FFFF)
        #expect(TBSemantics.binary(.add, .w32, 0xAAAA_AAAA_FFFF_FFFF, 2) == 1)
    }

    @Test func shiftCountsAreMaskedLikeWasm() {
        #expect(TBSemantics.binary(.shl, .w64, 1, 64) == 1)
        #expect(TBSemantics.binary(.shl, .w64, 1, 65) == 2)
        #expect(TBSemantics.binary(.shl, .w64, 1, 63) == 1 << 63)
        #expect(TBSemantics.binary(.shr, .w64, min64, 63) == 1)
        #expect(TBSemantics.binary(.shr, .w64, min64, 127) == 1)
        #expect(TBSemantics.binary(.sar, .w64, min64, 63) == UInt64.max)
        #expect(TBSemantics.binary(.sar, .w64, 0x4000_0000_0000_0000, 62) == 1)
        #expect(TBSemantics.binary(.shl, .w32, 1, 32) == 1)
        #expect(TBSemantics.binary(.shl, .w32, 1, 31) == 0x8000_0000)
        #expect(TBSemantics.binary(.sar, .w32, 0x8000_0000, 31) == 0xFFFF_FFFF)
        #expect(TBSemantics.binary(.shr, .w32, 0xF_8000_0000, 31) == 1)
    }

    @Test func rotationsWrapBitsAround() {
        #expect(TBSemantics.binary(.rotl, .w64, 0x8000_0000_0000_0001, 1) == 3)
        #expect(TBSemantics.binary(.rotr, .w64, 3, 1) == 0x8000_0000_0000_0001)
        #expect(TBSemantics.binary(.rotl, .w64, 0x1234, 0) == 0x1234)
        #expect(TBSemantics.binary(.rotl, .w64, 0x1234, 64) == 0x1234)
        #expect(TBSemantics.binary(.rotr, .w64, 0xF0, 68) == 0xF)
        #expect(TBSemantics.binary(.rotl, .w32, 0x8000_0001, 1) == 3)
        #expect(TBSemantics.binary(.rotr, .w32, 1, 1) == 0x8000_0000)
        #expect(TBSemantics.binary(.rotl, .w32, 0x1_0000_0001, 33) == 2)
    }

    @Test func bitCountsDefineZeroInputs() {
        #expect(TBSemantics.unary(.clz, .w64, 0) == 64)
        #expect(TBSemantics.unary(.ctz, .w64, 0) == 64)
        #expect(TBSemantics.unary(.clz, .w32, 0xFFFF_FFFF_0000_0000) == 32)
        #expect(TBSemantics.unary(.ctz, .w32, 0) == 32)
        #expect(TBSemantics.unary(.clz, .w64, 1) == 63)
        #expect(TBSemantics.unary(.ctz, .w64, 1 << 40) == 40)
        #expect(TBSemantics.unary(.clz, .w32, 0x0001_0000) == 15)
        #expect(TBSemantics.unary(.ctpop, .w64, UInt64.max) == 64)
        #expect(TBSemantics.unary(.ctpop, .w32, UInt64.max) == 32)
        #expect(TBSemantics.unary(.ctpop, .w64, 0xF0F0) == 8)
    }

    @Test func divisionFollowsRiscVRules() {
        // Unsigned: by zero -> all ones / dividend.
        #expect(TBSemantics.binary(.divu, .w64, 42, 0) == UInt64.max)
        #expect(TBSemantics.binary(.remu, .w64, 42, 0) == 42)
        #expect(TBSemantics.binary(.divu, .w64, UInt64.max, 2) == UInt64.max / 2)
        #expect(TBSemantics.binary(.remu, .w64, 43, 5) == 3)
        // Signed: by zero -> -1 / dividend; MIN / -1 -> MIN, remainder 0.
        #expect(TBSemantics.binary(.div, .w64, 42, 0) == UInt64.max)
        #expect(TBSemantics.binary(.rem, .w64, 42, 0) == 42)
        #expect(TBSemantics.binary(.div, .w64, min64, UInt64.max) == min64)
        #expect(TBSemantics.binary(.rem, .w64, min64, UInt64.max) == 0)
        // Truncation toward zero; remainder takes the dividend's sign.
        #expect(TBSemantics.binary(.div, .w64, UInt64(bitPattern: -7), 2) == UInt64(bitPattern: -3))
        #expect(TBSemantics.binary(.rem, .w64, UInt64(bitPattern: -7), 2) == UInt64(bitPattern: -1))
        #expect(TBSemantics.binary(.rem, .w64, 7, UInt64(bitPattern: -2)) == 1)
        // 32-bit forms.
        #expect(TBSemantics.binary(.div, .w32, 0x8000_0000, 0xFFFF_FFFF) == 0x8000_0000)
        #expect(TBSemantics.binary(.rem, .w32, 0x8000_0000, 0xFFFF_FFFF) == 0)
        #expect(TBSemantics.binary(.divu, .w32, 5, 0x1_0000_0000) == 0xFFFF_FFFF)
        #expect(TBSemantics.binary(.remu, .w32, 0x7_0000_0005, 0) == 5)
        #expect(TBSemantics.binary(.div, .w32, 0xFFFF_FFF9, 2) == 0xFFFF_FFFD)
    }

    @Test func extensionsAndExtracts() {
        #expect(TBSemantics.extend(.ext8s, 0x80) == 0xFFFF_FFFF_FFFF_FF80)
        #expect(TBSemantics.extend(.ext8u, 0x1FF) == 0xFF)
        #expect(TBSemantics.extend(.ext16s, 0x1_7FFF) == 0x7FFF)
        #expect(TBSemantics.extend(.ext16s, 0x8000) == 0xFFFF_FFFF_FFFF_8000)
        #expect(TBSemantics.extend(.ext16u, 0xABCD_1234) == 0x1234)
        #expect(TBSemantics.extend(.ext32s, 0x8000_0000) == 0xFFFF_FFFF_8000_0000)
        #expect(TBSemantics.extend(.ext32u, UInt64.max) == 0xFFFF_FFFF)
        #expect(TBSemantics.extract(signed: false, 0xABCD, pos: 4, len: 8) == 0xBC)
        #expect(TBSemantics.extract(signed: true, 0xABCD, pos: 4, len: 8) == 0xFFFF_FFFF_FFFF_FFBC)
        #expect(TBSemantics.extract(signed: true, 0x3BCD, pos: 4, len: 8) == 0xFFFF_FFFF_FFFF_FFBC)
        #expect(TBSemantics.extract(signed: false, UInt64.max, pos: 0, len: 64) == UInt64.max)
        #expect(TBSemantics.extract(signed: true, 1 << 63, pos: 63, len: 1) == UInt64.max)
        #expect(TBSemantics.extract(signed: false, 1 << 63, pos: 63, len: 1) == 1)
    }

    @Test func everyConditionAgreesWithSwiftComparisons() {
        let samples: [UInt64] = [
            0, 1, 2, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 1 << 63, UInt64.max, 0x1_0000_0001,
        ]
        for a in samples {
            for b in samples {
                let sa = Int64(bitPattern: a)
                let sb = Int64(bitPattern: b)
                let expected64: [TBCond: Bool] = [
                    .eq: a == b, .ne: a != b, .lt: sa < sb, .ge: sa >= sb, .le: sa <= sb, .gt: sa > sb,
                    .ltu: a < b, .geu: a >= b, .leu: a <= b, .gtu: a > b, .tsteq: a & b == 0,
                    .tstne: a & b != 0, .always: true, .never: false,
                ]
                let a32 = UInt32(truncatingIfNeeded: a)
                let b32 = UInt32(truncatingIfNeeded: b)
                let sa32 = Int32(bitPattern: a32)
                let sb32 = Int32(bitPattern: b32)
                let expected32: [TBCond: Bool] = [
                    .eq: a32 == b32, .ne: a32 != b32, .lt: sa32 < sb32, .ge: sa32 >= sb32, .le: sa32 <= sb32,
                    .gt: sa32 > sb32, .ltu: a32 < b32, .geu: a32 >= b32, .leu: a32 <= b32, .gtu: a32 > b32,
                    .tsteq: a32 & b32 == 0, .tstne: a32 & b32 != 0, .always: true, .never: false,
                ]
                for c in TBCond.allCases {
                    #expect(TBSemantics.condition(c, .w64, a, b) == expected64[c], "\(c) \(a) \(b)")
                    #expect(TBSemantics.condition(c, .w32, a, b) == expected32[c], "\(c)_i32 \(a) \(b)")
                }
            }
        }
    }

    @Test func setcondFamilyThroughTheInterpreter() throws {
        let tb = try buildTB { b in
            b.setcond(.lt, .r0, .r1, .r2)
            b.negsetcond(.ltu, .r3, .r1, .r2)
            b.negsetcond(.gtu, .r4, .r1, .r2, width: .w32)
            b.movcond(.lt, .r5, .r1, .r2, ifTrue: .r6, ifFalse: .r7)
            b.movcond(.eq, .r8, .r1, .r2, ifTrue: .r6, ifFalse: .r7, width: .w32)
            b.exitTB(0)
        }
        // r1 = -1 (signed less than r2 = 1, unsigned greater; low halves: 0xFFFFFFFF > 1).
        let (r, _) = try runTB(tb, [.r1: UInt64.max, .r2: 1, .r6: 0x1_0000_0006, .r7: 7])
        #expect(r[.r0] == 1)
        #expect(r[.r3] == 0)
        #expect(r[.r4] == 0xFFFF_FFFF)
        #expect(r[.r5] == 0x1_0000_0006)
        #expect(r[.r8] == 7)
    }
}

// The byte writer's placeholders and sized regions.

import Testing

@testable import WasmBinary

@Suite struct WasmBytesWriterTests {
    @Test func patchedPlaceholderHoldsTheValueInFiveBytes() throws {
        var writer = WasmBytesWriter()
        writer.append(0xAA)
        let slot = writer.reservePaddedULEB32()
        writer.append(0xBB)
        #expect(slot.offset == 1 && slot.width == 5 && slot.end == 6)
        writer.patch(slot, with: 624_485 as UInt32)
        // 624485 is E5 8E 26 minimally; padded, the last byte gains the continuation bit.
        #expect(writer.bytes == [0xAA, 0xE5, 0x8E, 0xA6, 0x80, 0x00, 0xBB])
        writer.patch(slot, with: UInt32.max)
        #expect(writer.bytes == [0xAA, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0xBB])
    }

    @Test func patched64BitPlaceholderDecodes() throws {
        var writer = WasmBytesWriter()
        let slot = writer.reservePaddedULEB64()
        writer.patch(slot, with: UInt64.max - 1)
        #expect(writer.count == 10)
        let value = try LEB128Tests.read(writer.bytes) { (r) throws(DecodeError) in try r.readU64("x") }
        #expect(value == UInt64.max - 1)
    }

    @Test(arguments: [0, 1, 127, 128, 16_383, 16_384, 70_000])
    func sizedRegionIsPrefixedWithItsMinimalSize(size: Int) throws {
        var writer = WasmBytesWriter()
        writer.append(0x0A)
        let payload = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        writer.appendSized { w in w.append(contentsOf: payload) }
        var expected = WasmBytesWriter()
        expected.append(0x0A)
        expected.appendULEB128(UInt64(size))
        expected.append(contentsOf: payload)
        #expect(writer.bytes == expected.bytes)
        #expect(writer.count == 1 + (size < 128 ? 1 : size < 16_384 ? 2 : 3) + size)
    }

    @Test func nestedSizedRegionsAreBothCanonical() throws {
        var writer = WasmBytesWriter()
        writer.appendSection(.code) { w in
            w.append(0x01)
            w.appendSized { body in
                body.append(0x00)
                for _ in 0..<200 { body.emit(.nop) }
                body.emit(.end)
            }
        }
        // id, size 205 (CD 01), count, body size 202 (CA 01), locals, 200 nops, end
        #expect(Array(writer.bytes.prefix(6)) == [0x0A, 0xCD, 0x01, 0x01, 0xCA, 0x01])
        #expect(writer.count == 1 + 2 + 205)
    }

    @Test func convenienceEmittersUseNaturalAlignment() {
        var writer = WasmBytesWriter()
        writer.emit(.i64Load, offset: 8)
        writer.emit(.i32Store16)
        writer.emit(.i64AtomicRmw32CmpxchgU, offset: 1)
        writer.emit(.i32TruncSatF64U)
        #expect(writer.bytes == [0x29, 0x03, 0x08, 0x3B, 0x01, 0x00, 0xFE, 0x4E, 0x02, 0x01, 0xFC, 0x03])
    }
}

// LEB128 against independently published encodings: the DWARF 4 standard's
// examples (section 7.6, figures 22 and 23), the two examples of the
// Wikipedia/DWARF LEB128 description (624485, -123456), and the boundary
// cases of the Wasm spec's binary-leb128.wast.

import Testing

@testable import WasmBinary

@Suite struct LEB128Tests {
    static let unsignedExamples: [(UInt64, [UInt8])] = [
        (2, [0x02]), (127, [0x7F]), (128, [0x80, 0x01]), (129, [0x81, 0x01]), (130, [0x82, 0x01]),
        (12857, [0xB9, 0x64]), (624_485, [0xE5, 0x8E, 0x26]), (0, [0x00]),
        (UInt64(UInt32.max), [0xFF, 0xFF, 0xFF, 0xFF, 0x0F]),
        (UInt64.max, [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]),
    ]

    static let signedExamples: [(Int64, [UInt8])] = [
        (2, [0x02]), (-2, [0x7E]), (127, [0xFF, 0x00]), (-127, [0x81, 0x7F]), (128, [0x80, 0x01]),
        (-128, [0x80, 0x7F]), (129, [0x81, 0x01]), (-129, [0xFF, 0x7E]), (-123_456, [0xC0, 0xBB, 0x78]),
        (0, [0x00]), (-1, [0x7F]), (63, [0x3F]), (64, [0xC0, 0x00]), (-64, [0x40]), (-65, [0xBF, 0x7F]),
        (Int64(Int32.min), [0x80, 0x80, 0x80, 0x80, 0x78]),
        (Int64(Int32.max), [0xFF, 0xFF, 0xFF, 0xFF, 0x07]),
        (Int64.min, [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7F]),
        (Int64.max, [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00]),
    ]

    /// Decodes `bytes` with `read`, requiring that all bytes are consumed.
    static func read<T>(_ bytes: [UInt8], _ read: (inout ByteReader) throws(DecodeError) -> T)
        throws(DecodeError)
        -> T
    {
        try bytes.withUnsafeBufferPointer { (buffer) throws(DecodeError) -> T in
            var reader = ByteReader(buffer)
            let value = try read(&reader)
            #expect(reader.isAtEnd, "\(bytes) not fully consumed")
            return value
        }
    }

    @Test func unsignedEncodingsMatchPublishedExamples() {
        for (value, expected) in Self.unsignedExamples {
            var writer = WasmBytesWriter()
            writer.appendULEB128(value)
            #expect(writer.bytes == expected, "\(value)")
        }
    }

    @Test func signedEncodingsMatchPublishedExamples() {
        for (value, expected) in Self.signedExamples {
            var writer = WasmBytesWriter()
            writer.appendSLEB128(value)
            #expect(writer.bytes == expected, "\(value)")
        }
    }

    @Test func publishedExamplesDecode() throws {
        for (value, bytes) in Self.unsignedExamples {
            #expect(try Self.read(bytes) { (r) throws(DecodeError) in try r.readU64("x") } == value)
            if value <= UInt64(UInt32.max) {
                #expect(
                    try Self.read(bytes) { (r) throws(DecodeError) in try r.readU32("x") } == UInt32(value))
            }
        }
        for (value, bytes) in Self.signedExamples {
            #expect(try Self.read(bytes) { (r) throws(DecodeError) in try r.readS64("x") } == value)
            if let small = Int32(exactly: value) {
                #expect(try Self.read(bytes) { (r) throws(DecodeError) in try r.readS32("x") } == small)
            }
        }
    }

    @Test func paddedEncodingsDecodeToTheSameValue() throws {
        // binary-leb128.wast accepts non-minimal encodings up to the width limit.
        #expect(
            try Self.read([0x80, 0x80, 0x80, 0x80, 0x00]) { (r) throws(DecodeError) in try r.readU32("x") }
                == 0)
        #expect(
            try Self.read([0x82, 0x80, 0x80, 0x80, 0x00]) { (r) throws(DecodeError) in try r.readU32("x") }
                == 2)
        #expect(
            try Self.read([0xFF, 0xFF, 0xFF, 0xFF, 0x7F]) { (r) throws(DecodeError) in try r.readS32("x") }
                == -1)
        #expect(
            try Self.read([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00]) {
                (r) throws(DecodeError) in try r.readU64("x")
            } == 0)
        var writer = WasmBytesWriter()
        writer.appendPaddedULEB128(624_485, width: 5)
        #expect(writer.bytes == [0xE5, 0x8E, 0xA6, 0x80, 0x00])
    }

    /// Inputs from binary-leb128.wast with the spec's verdict.
    @Test(arguments: [
        ([0x80, 0x80, 0x80, 0x80, 0x80, 0x00] as [UInt8], "integer representation too long"),
        ([0x82, 0x80, 0x80, 0x80, 0x70], "integer too large"),
        ([0x82, 0x80, 0x80, 0x80, 0x10], "integer too large"),
        ([0x80, 0x80, 0x80], "unexpected end"),
    ])
    func malformedU32IsRejected(bytes: [UInt8], spec: String) {
        #expect(throws: DecodeError.self) {
            _ = try Self.read(bytes) { (r) throws(DecodeError) in try r.readU32("x") }
        }
        do {
            _ = try Self.read(bytes) { (r) throws(DecodeError) in try r.readU32("x") }
        } catch {
            #expect(error.reason.specText == spec)
            // Width errors point at the integer's first byte, truncation at the end of input.
            #expect(error.offset == (spec == "unexpected end" ? bytes.count : 0))
        }
    }

    @Test(arguments: [
        ([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F] as [UInt8], 32, "integer representation too long"),
        ([0x80, 0x80, 0x80, 0x80, 0x70], 32, "integer too large"),
        ([0xFF, 0xFF, 0xFF, 0xFF, 0x0F], 32, "integer too large"),
        ([0xFF, 0xFF, 0xFF, 0xFF, 0x4F], 32, "integer too large"),
        ([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7E], 64, "integer too large"),
        ([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01], 64, "integer too large"),
        (
            [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00], 64,
            "integer representation too long"
        ),
    ])
    func malformedSignedIsRejected(bytes: [UInt8], bits: Int, spec: String) {
        do {
            _ = try Self.read(bytes) { (r) throws(DecodeError) in try r.readSigned(bits: bits, "x") }
            Issue.record("\(bytes) decoded")
        } catch {
            #expect(error.reason.specText == spec)
        }
    }

    @Test func everyI32RoundTripsThroughTheWriterAtBoundaries() throws {
        var values: [Int64] = []
        for shift in 0..<32 {
            let p = Int64(1) << shift
            values += [p - 1, p, p + 1, -p - 1, -p, -p + 1]
        }
        for value in values where Int32(exactly: value) != nil {
            var writer = WasmBytesWriter()
            writer.appendSLEB128(value)
            #expect(writer.count <= 5)
            #expect(
                try Self.read(writer.bytes) { (r) throws(DecodeError) in try r.readS32("x") } == Int32(value))
        }
    }
}

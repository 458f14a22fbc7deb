// A cursor over the input bytes for the decoder. It never reads past `limit`
// (the end of the current section or function body, or of the input), so no
// read can run off the buffer; every failure is a `DecodeError` at the byte
// where it happened. LEB128 decoding follows the spec's rules exactly:
// at most ceil(N/7) bytes, and the unused high bits of the last byte must be
// zero (unsigned) or copies of the sign bit (signed).

/// A bounds-checked reader over an unsafe buffer that outlives it.
struct ByteReader {
    /// The whole input.
    let bytes: UnsafeBufferPointer<UInt8>
    /// The next byte to read.
    var position: Int
    /// One past the last byte the current region (section, body, input) may use.
    var limit: Int
    /// The section being decoded, for error messages.
    var section: SectionID?

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
        self.position = 0
        self.limit = bytes.count
        self.section = nil
    }

    /// Bytes left in the current region.
    @inline(__always) var remaining: Int { limit - position }

    /// Whether the current region is exhausted.
    @inline(__always) var isAtEnd: Bool { position >= limit }

    /// An error at `offset` (default: the current position) in the current section.
    func error(_ reason: DecodeError.Reason, at offset: Int? = nil, _ detail: String = "") -> DecodeError {
        DecodeError(reason, offset: offset ?? position, section: section, detail: detail)
    }

    /// The error for reading past the current region.
    func endError(_ what: String) -> DecodeError {
        let reason: DecodeError.Reason =
            limit >= bytes.count ? .unexpectedEnd : .unexpectedEndOfSection
        return error(reason, "expected \(what)")
    }

    @inline(__always) mutating func readByte(_ what: @autoclosure () -> String = "a byte") throws(DecodeError)
        -> UInt8
    {
        guard position < limit else { throw endError(what()) }
        let b = bytes[position]
        position &+= 1
        return b
    }

    /// Returns the next byte without consuming it, or `nil` at the end of the region.
    @inline(__always) func peekByte() -> UInt8? {
        position < limit ? bytes[position] : nil
    }

    /// Reads `count` raw bytes (checked against the region first).
    mutating func readBytes(_ count: Int, _ what: String) throws(DecodeError) -> [UInt8] {
        guard count <= remaining else {
            throw error(
                .unexpectedEndOfSectionOrEnd(limit: limit, total: bytes.count),
                "expected \(count) bytes of \(what)")
        }
        let start = position
        position &+= count
        return Array(UnsafeBufferPointer(rebasing: bytes[start..<start &+ count]))
    }

    /// Reads a little-endian fixed-width integer (float constants).
    mutating func readFixed32() throws(DecodeError) -> UInt32 {
        guard remaining >= 4 else { throw endError("4 bytes of an f32 constant") }
        var v: UInt32 = 0
        for i in 0..<4 { v |= UInt32(bytes[position &+ i]) << (8 * i) }
        position &+= 4
        return v
    }

    /// Reads a little-endian 64-bit integer (f64 constants).
    mutating func readFixed64() throws(DecodeError) -> UInt64 {
        guard remaining >= 8 else { throw endError("8 bytes of an f64 constant") }
        var v: UInt64 = 0
        for i in 0..<8 { v |= UInt64(bytes[position &+ i]) << (8 * i) }
        position &+= 8
        return v
    }

    // MARK: LEB128

    /// Reads an unsigned LEB128 integer of at most `bits` bits.
    @inline(__always) mutating func readUnsigned(bits: Int, _ what: @autoclosure () -> String)
        throws(DecodeError) -> UInt64
    {
        let start = position
        if position < limit {
            let b = bytes[position]
            if b < 0x80 {
                position &+= 1
                return UInt64(b)
            }
        }
        var result: UInt64 = 0
        var shift = 0
        while true {
            let b = try readByte(what())
            let left = bits - shift
            if left <= 7 {
                if b & 0x80 != 0 {
                    throw error(
                        .integerRepresentationTooLong, at: start,
                        "\(what()) uses more than \((bits + 6) / 7) bytes")
                }
                if UInt64(b) >= (1 as UInt64) << UInt64(left) {
                    throw error(.integerTooLarge, at: start, "\(what()) does not fit in \(bits) bits")
                }
                return result | (UInt64(b) << UInt64(shift))
            }
            result |= UInt64(b & 0x7F) << UInt64(shift)
            if b & 0x80 == 0 { return result }
            shift += 7
        }
    }

    /// Reads a signed LEB128 integer of at most `bits` bits, sign-extended to 64 bits.
    @inline(__always) mutating func readSigned(bits: Int, _ what: @autoclosure () -> String)
        throws(DecodeError) -> Int64
    {
        let start = position
        if position < limit {
            let b = bytes[position]
            if b < 0x80 {
                position &+= 1
                return Int64(Int8(bitPattern: b << 1) >> 1)
            }
        }
        var result: Int64 = 0
        var shift = 0
        while true {
            let b = try readByte(what())
            let left = bits - shift
            if left <= 7 {
                if b & 0x80 != 0 {
                    throw error(
                        .integerRepresentationTooLong, at: start,
                        "\(what()) uses more than \((bits + 6) / 7) bytes")
                }
                let mask = UInt8(truncatingIfNeeded: -1 << (left - 1)) & 0x7F
                if b & mask != 0 && b & mask != mask {
                    throw error(.integerTooLarge, at: start, "\(what()) does not fit in \(bits) bits")
                }
            }
            result |= Int64(b & 0x7F) &<< Int64(shift)
            shift += 7
            if b & 0x80 == 0 || left <= 7 {
                if shift < 64 && b & 0x40 != 0 { result |= -1 &<< Int64(shift) }
                return result
            }
        }
    }

    @inline(__always) mutating func readU32(_ what: @autoclosure () -> String) throws(DecodeError) -> UInt32 {
        UInt32(truncatingIfNeeded: try readUnsigned(bits: 32, what()))
    }

    @inline(__always) mutating func readU64(_ what: @autoclosure () -> String) throws(DecodeError) -> UInt64 {
        try readUnsigned(bits: 64, what())
    }

    @inline(__always) mutating func readS32(_ what: @autoclosure () -> String) throws(DecodeError) -> Int32 {
        Int32(truncatingIfNeeded: try readSigned(bits: 32, what()))
    }

    @inline(__always) mutating func readS64(_ what: @autoclosure () -> String) throws(DecodeError) -> Int64 {
        try readSigned(bits: 64, what())
    }

    /// Reads a vector length and checks it against the bytes left: every
    /// element takes at least one byte, so a count larger than that fails at
    /// once and no caller ever allocates for more elements than the input holds.
    mutating func readCount(_ what: String) throws(DecodeError) -> Int {
        let start = position
        let count = Int(try readU32("\(what) count"))
        if count > remaining {
            throw error(
                .unexpectedEndOfSectionOrEnd(limit: limit, total: bytes.count), at: start,
                "\(count) \(what) cannot fit in the \(remaining) bytes left")
        }
        return count
    }

    /// Reads `count` u32 LEB128 integers (label or function indices) straight
    /// into a new array; `count` must already be checked by ``readCount(_:)``.
    mutating func readU32Array(count: Int, _ what: StaticString) throws(DecodeError) -> [UInt32] {
        try [UInt32](unsafeUninitializedCapacity: count) { (buffer, initialized) throws(DecodeError) in
            while initialized < count {
                buffer[initialized] = try readU32(what.description)
                initialized += 1
            }
        }
    }

    /// Reads a length-prefixed UTF-8 name.
    mutating func readName(_ what: String) throws(DecodeError) -> String {
        let start = position
        let length = Int(try readU32("\(what) length"))
        guard length <= remaining else {
            throw error(
                .lengthOutOfBounds, at: start,
                "\(what) of \(length) bytes exceeds the \(remaining) bytes left")
        }
        let slice = UnsafeBufferPointer(rebasing: bytes[position..<position &+ length])
        position &+= length
        // Nearly all names are ASCII, which needs no validation beyond the byte check.
        var isASCII = true
        for byte in slice where byte >= 0x80 {
            isASCII = false
            break
        }
        if isASCII { return String(decoding: slice, as: UTF8.self) }
        guard let name = String(validating: slice, as: UTF8.self) else {
            throw error(.malformedUTF8, at: start, "\(what) is not valid UTF-8")
        }
        return name
    }
}

extension DecodeError.Reason {
    /// "unexpected end" at the end of the input, otherwise the section/function variant.
    static func unexpectedEndOfSectionOrEnd(limit: Int, total: Int) -> DecodeError.Reason {
        limit >= total ? .unexpectedEnd : .unexpectedEndOfSection
    }
}

// The byte-level half of the encoder, public so that code generators can
// write Wasm directly: raw bytes, LEB128 integers, names, fixed-width
// placeholders patched later, and length-prefixed regions (sections, function
// bodies) whose size is filled in when they end.

/// A growable buffer that writes the WebAssembly binary encodings.
///
/// The module encoder (``Module/encoded()``) is built on it, and code
/// generators can use it directly:
///
/// ```swift
/// var code = WasmBytesWriter()
/// code.emit(.localGet(0))
/// code.emit(.i64Const(5))
/// code.emit(.i64Add)
/// code.emit(.end)
/// ```
///
/// Integers use the minimal (canonical) LEB128 form, except for the padded
/// forms, which always use 5 (or 10) bytes so that a value can be patched in
/// place once it is known:
///
/// ```swift
/// let size = writer.reservePaddedULEB32()
/// // ... append the bytes the size counts ...
/// writer.patch(size, with: UInt32(writer.count - size.end))
/// ```
public struct WasmBytesWriter: Sendable {
    /// The bytes written so far.
    public private(set) var bytes: [UInt8]

    /// Creates an empty writer.
    ///
    /// - Parameter capacity: bytes to reserve up front, to avoid regrowth.
    public init(capacity: Int = 0) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// The number of bytes written so far; also the offset of the next byte.
    public var count: Int { bytes.count }

    // MARK: Raw bytes

    /// Appends one byte.
    public mutating func append(_ byte: UInt8) {
        bytes.append(byte)
    }

    /// Appends bytes verbatim.
    public mutating func append(contentsOf newBytes: [UInt8]) {
        bytes.append(contentsOf: newBytes)
    }

    /// Appends a 32-bit value in little-endian order (`f32.const` bit patterns).
    public mutating func appendLittleEndian(_ value: UInt32) {
        for i in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * UInt32(i)))) }
    }

    /// Appends a 64-bit value in little-endian order (`f64.const` bit patterns).
    public mutating func appendLittleEndian(_ value: UInt64) {
        for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(i)))) }
    }

    // MARK: LEB128

    /// Appends an unsigned LEB128 integer in its shortest form (`u32` and `u64` alike).
    ///
    /// For example 624485 is written as `E5 8E 26`.
    public mutating func appendULEB128(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    /// Appends a signed LEB128 integer in its shortest form (`s32`, `s33` and `s64` alike).
    ///
    /// For example -123456 is written as `C0 BB 78`.
    public mutating func appendSLEB128(_ value: Int64) {
        var v = value
        while true {
            let byte = UInt8(truncatingIfNeeded: v) & 0x7F
            v >>= 7
            if (v == 0 && byte & 0x40 == 0) || (v == -1 && byte & 0x40 != 0) {
                bytes.append(byte)
                return
            }
            bytes.append(byte | 0x80)
        }
    }

    /// Appends a length-prefixed UTF-8 name.
    public mutating func appendName(_ name: String) {
        appendULEB128(UInt64(name.utf8.count))
        bytes.append(contentsOf: name.utf8)
    }

    /// Appends a length-prefixed byte vector (a data segment's contents, a custom payload).
    public mutating func appendVector(_ contents: [UInt8]) {
        appendULEB128(UInt64(contents.count))
        bytes.append(contentsOf: contents)
    }

    // MARK: Placeholders

    /// A fixed-width LEB128 slot already written into a ``WasmBytesWriter``,
    /// whose value is supplied later with ``WasmBytesWriter/patch(_:with:)-(_,UInt64)``.
    public struct Placeholder: Sendable, Hashable {
        /// Offset of the slot's first byte.
        public let offset: Int
        /// Width of the slot in bytes: 5 (u32) or 10 (u64).
        public let width: Int
        /// Offset just after the slot (where a length it holds starts counting).
        public var end: Int { offset + width }
    }

    /// Appends `value` as an unsigned LEB128 padded to exactly `width` bytes.
    ///
    /// Padding uses continuation bytes `0x80` and is legal in the binary format
    /// as long as `width` does not exceed 5 for a u32 or 10 for a u64.
    public mutating func appendPaddedULEB128(_ value: UInt64, width: Int) {
        var v = value
        for i in 0..<width {
            let last = i == width - 1
            bytes.append(UInt8(truncatingIfNeeded: v) & 0x7F | (last ? 0 : 0x80))
            v >>= 7
        }
    }

    /// Reserves a 5-byte unsigned LEB128 slot for a u32 known only later (a size, a count).
    public mutating func reservePaddedULEB32() -> Placeholder {
        let placeholder = Placeholder(offset: count, width: 5)
        appendPaddedULEB128(0, width: 5)
        return placeholder
    }

    /// Reserves a 10-byte unsigned LEB128 slot for a u64 known only later.
    public mutating func reservePaddedULEB64() -> Placeholder {
        let placeholder = Placeholder(offset: count, width: 10)
        appendPaddedULEB128(0, width: 10)
        return placeholder
    }

    /// Writes `value` into a slot made by ``reservePaddedULEB32()`` or ``reservePaddedULEB64()``.
    ///
    /// - Precondition: `value` fits in the slot (u32 for a 5-byte slot).
    public mutating func patch(_ placeholder: Placeholder, with value: UInt64) {
        precondition(
            placeholder.width >= 10 || value >> (7 * UInt64(placeholder.width)) == 0,
            "value \(value) does not fit a \(placeholder.width)-byte LEB128 slot")
        var v = value
        for i in 0..<placeholder.width {
            let last = i == placeholder.width - 1
            bytes[placeholder.offset + i] = UInt8(truncatingIfNeeded: v) & 0x7F | (last ? 0 : 0x80)
            v >>= 7
        }
    }

    /// Writes a u32 into a slot made by ``reservePaddedULEB32()``.
    public mutating func patch(_ placeholder: Placeholder, with value: UInt32) {
        patch(placeholder, with: UInt64(value))
    }

    // MARK: Sized regions

    /// Appends a length-prefixed region: runs `contents`, then prefixes what it
    /// wrote with its size as a minimal u32 LEB128.
    ///
    /// This is how sections and function bodies are framed; the result is the
    /// canonical encoding (no padded sizes). The contents are written once and
    /// moved down by at most four bytes when the size turns out to be short.
    public mutating func appendSized<E: Error>(_ contents: (inout WasmBytesWriter) throws(E) -> Void)
        throws(E)
    {
        let slot = reservePaddedULEB32()
        try contents(&self)
        let size = count - slot.end
        precondition(size >= 0, "appendSized: the contents removed bytes written before the region")
        precondition(size <= Int(UInt32.max), "appendSized: a region cannot exceed 4 GiB")
        var prefixLength = 1
        while size >> (7 * prefixLength) != 0 { prefixLength += 1 }
        let shift = 5 - prefixLength
        if shift > 0 {
            bytes.withUnsafeMutableBufferPointer { buffer in
                guard let base = buffer.baseAddress else { return }
                // Overlapping move (memmove semantics).
                UnsafeMutableRawPointer(base + slot.offset + prefixLength)
                    .copyMemory(from: base + slot.end, byteCount: size)
            }
            bytes.removeLast(shift)
        }
        var rest = size
        for i in 0..<prefixLength {
            let last = i == prefixLength - 1
            bytes[slot.offset + i] = UInt8(truncatingIfNeeded: rest) & 0x7F | (last ? 0 : 0x80)
            rest >>= 7
        }
    }

    /// Appends a section: its id, then its contents framed by ``appendSized(_:)``.
    public mutating func appendSection<E: Error>(
        _ id: SectionID, _ contents: (inout WasmBytesWriter) throws(E) -> Void
    ) throws(E) {
        append(id.rawValue)
        try appendSized(contents)
    }
}

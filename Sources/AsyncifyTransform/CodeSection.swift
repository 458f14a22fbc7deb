// The code section at the byte level, for `AsyncifyTransform.instrument(bytes:)`:
// where each function body lies in the input, one body's encoding, and
// swapping a module's code section for another. The pass writes the code
// section itself so that bodies it leaves alone are copied, not re-encoded,
// and the bodies it makes are encoded and freed one at a time.

import WasmBinary

enum CodeSection {
    /// A body that stands in for the real ones while `Module.encoded()` writes the other
    /// sections (one shared array, so filling a codes array with it costs nothing).
    static let placeholder = FunctionBody(locals: [], body: [.end])

    /// The byte range of each function body (locals and code, after its size) in the code
    /// section of `bytes`; nil unless that section holds exactly `count` well-formed bodies.
    static func bodies(in bytes: [UInt8], count: Int) -> [Range<Int>]? {
        var reader = Reader(bytes: bytes, position: 8)
        while reader.position < bytes.count {
            let id = bytes[reader.position]
            reader.position += 1
            guard let size = reader.leb(), size <= bytes.count - reader.position else { return nil }
            guard id == SectionID.code.rawValue else {
                reader.position += size
                continue
            }
            let end = reader.position + size
            guard let n = reader.leb(), n == count else { return nil }
            var ranges: [Range<Int>] = []
            ranges.reserveCapacity(n)
            for _ in 0..<n {
                guard let length = reader.leb(), length <= end - reader.position else { return nil }
                ranges.append(reader.position..<reader.position + length)
                reader.position += length
            }
            return reader.position == end ? ranges : nil
        }
        return count == 0 ? [] : nil
    }

    /// One body as the code section holds it after its size: locals, then instructions
    /// (what `Module.encoded()` writes for it).
    static func encode(_ code: FunctionBody) -> [UInt8] {
        var w = WasmBytesWriter(capacity: code.body.count * 3 + 8)
        w.appendULEB128(UInt64(code.locals.count))
        for group in code.locals {
            w.appendULEB128(UInt64(group.count))
            w.append(group.type.rawValue)
        }
        w.emit(contentsOf: code.body)
        return w.bytes
    }

    /// Appends `value` as an unsigned LEB128, shortest form.
    static func appendLEB(_ value: Int, to bytes: inout [UInt8]) {
        var value = UInt64(value)
        while value >= 0x80 {
            bytes.append(UInt8(value & 0x7F) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    /// `module` (an encoded module with a code section) with that section's contents replaced
    /// by `contents` (the body count, then each body with its size).
    static func replace(in module: [UInt8], contents: [UInt8]) -> [UInt8] {
        var reader = Reader(bytes: module, position: 8)
        while reader.position < module.count {
            let start = reader.position
            let id = module[reader.position]
            reader.position += 1
            guard let size = reader.leb() else { break }
            let end = reader.position + size
            if id == SectionID.code.rawValue {
                var result: [UInt8] = []
                result.reserveCapacity(module.count - (end - start) + contents.count + 6)
                result += module[..<start]
                result.append(id)
                appendLEB(contents.count, to: &result)
                result += contents
                result += module[end...]
                return result
            }
            reader.position = end
        }
        preconditionFailure("the encoded module has a code section")
    }

    /// Unsigned LEB128 reading, bounds-checked (nil past the end or beyond 32 bits).
    private struct Reader {
        let bytes: [UInt8]
        var position: Int

        mutating func leb() -> Int? {
            var result = 0
            var shift = 0
            while position < bytes.count && shift < 35 {
                let byte = bytes[position]
                position += 1
                result |= Int(byte & 0x7F) << shift
                if byte & 0x80 == 0 { return result }
                shift += 7
            }
            return nil
        }
    }
}

// Decode errors say what, where (byte offset) and in which section; SIMD is
// refused as an unsupported feature; spec wording is kept where it matters.

import Testing
import WasmBinary

@Suite struct DecodeErrorTests {
    static let header: [UInt8] = [0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00]
    /// Type section `() -> ()`, function section with one function of type 0.
    static let oneFunction: [UInt8] = [0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00]

    static func decodeError(_ bytes: [UInt8]) -> DecodeError? {
        do {
            _ = try Module(decoding: bytes)
            return nil
        } catch {
            return error
        }
    }

    @Test func illegalOpcodeNamesTheCodeSectionAndTheOpcodeOffset() throws {
        // Code section: one body of 4 bytes: no locals, i32.const 0, 0xF3 (unassigned).
        let bytes = Self.header + Self.oneFunction + [0x0A, 0x06, 0x01, 0x04, 0x00, 0x41, 0x00, 0xF3]
        let error = try #require(Self.decodeError(bytes))
        #expect(error.reason == .illegalOpcode)
        #expect(error.section == .code)
        #expect(error.offset == bytes.count - 1)
        #expect(
            error.description == "malformed module at offset 0x19 (code section): illegal opcode: opcode 0xf3"
        )
    }

    @Test func simdIsAnUnsupportedFeature() throws {
        // v128 as a parameter type.
        let type = Self.header + [0x01, 0x05, 0x01, 0x60, 0x01, 0x7B, 0x00]
        let typeError = try #require(Self.decodeError(type))
        #expect(typeError.reason == .unsupportedFeature)
        #expect(typeError.description.contains("SIMD"))
        // v128.const (0xFD 12) in a body.
        let code = Self.header + Self.oneFunction + [0x0A, 0x06, 0x01, 0x04, 0x00, 0xFD, 0x0C, 0x00]
        let codeError = try #require(Self.decodeError(code))
        #expect(codeError.reason == .unsupportedFeature)
        #expect(codeError.offset == Self.header.count + Self.oneFunction.count + 5)
    }

    @Test func headerErrors() throws {
        #expect(Self.decodeError([])?.reason == .unexpectedEnd)
        #expect(Self.decodeError([0x00, 0x61, 0x73])?.reason == .unexpectedEnd)
        #expect(
            Self.decodeError([0x00, 0x61, 0x73, 0x6E, 0x01, 0x00, 0x00, 0x00])?.reason
                == .magicHeaderNotDetected)
        #expect(
            Self.decodeError([0x00, 0x61, 0x73, 0x6D, 0x02, 0x00, 0x00, 0x00])?.reason
                == .unknownBinaryVersion)
        #expect(try Module(decoding: Self.header) == Module())
    }

    @Test func rawBufferEntryPointAgreesWithTheArrayOne() throws {
        #expect(throws: DecodeError.self) {
            try Module(decoding: UnsafeRawBufferPointer(start: nil, count: 0))
        }
        let bytes = Self.header + Self.oneFunction + [0x0A, 0x04, 0x01, 0x02, 0x00, 0x0B]
        let fromBuffer = try bytes.withUnsafeBytes { buffer in try Module(decoding: buffer) }
        #expect(fromBuffer == (try Module(decoding: bytes)))
        #expect(fromBuffer.codes == [FunctionBody(body: [.end])])
    }

    @Test func sectionOrderAndSizeAreEnforced() throws {
        // Function section before type section.
        let outOfOrder = Self.header + [0x03, 0x01, 0x00, 0x01, 0x01, 0x00]
        let error = try #require(Self.decodeError(outOfOrder))
        #expect(error.reason == .unexpectedContentAfterLastSection)
        #expect(error.offset == 11)
        // Type section declaring 5 bytes but holding 4.
        let tooLong = Self.header + [0x01, 0x05, 0x01, 0x60, 0x00, 0x00, 0x00]
        #expect(Self.decodeError(tooLong)?.reason == .sectionSizeMismatch)
        // Data count is allowed between element and code, custom sections anywhere.
        let ordered =
            Self.header + Self.oneFunction + [
                0x00, 0x02, 0x01, 0x61, 0x0C, 0x01, 0x00, 0x00, 0x02, 0x01, 0x62,
            ]
            + [0x0A, 0x04, 0x01, 0x02, 0x00, 0x0B]
        let module = try Module(decoding: ordered)
        #expect(module.customSections.map(\.after) == [.function, .dataCount])
        #expect(module.dataCount == 0)
        #expect(module.encoded() == ordered)
    }

    @Test func dataCountIsRequiredForMemoryInitAndDataDrop() throws {
        // data.drop 0 in a body, no data count section.
        let bytes = Self.header + Self.oneFunction + [0x0A, 0x07, 0x01, 0x05, 0x00, 0xFC, 0x09, 0x00, 0x0B]
        let error = try #require(Self.decodeError(bytes))
        #expect(error.reason == .dataCountRequired)
        #expect(error.reason.specText == "data count section required")
    }

    @Test func sharedAndSixtyFourBitMemoryLimitsDecode() throws {
        // flags 0x07: 64-bit shared memory with a maximum; the maximum 2^40 needs a u64.
        let bytes = Self.header + [0x05, 0x09, 0x01, 0x07, 0x00, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20]
        let module = try Module(decoding: bytes)
        #expect(module.memories == [Limits(min: 0, max: 1 << 40, isShared: true, is64: true)])
        #expect(module.encoded() == bytes)
        // In a 32-bit memory the 6-byte maximum is too long for a u32.
        var narrow = bytes
        narrow[11] = 0x03
        #expect(Self.decodeError(narrow)?.reason == .integerRepresentationTooLong)
    }

    @Test func memoryOffsetsAreSixtyFourBitOnlyForSixtyFourBitMemories() throws {
        // i64.load offset=2^32 (5-byte LEB 80 80 80 80 10): legal with memory i64, too large with i32.
        func module(memoryFlags: UInt8) -> [UInt8] {
            Self.header + [0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7E, 0x03, 0x02, 0x01, 0x00]
                + [0x05, 0x03, 0x01, memoryFlags, 0x01]
                + [0x0A, 0x0D, 0x01, 0x0B, 0x00, 0x42, 0x00, 0x29, 0x03, 0x80, 0x80, 0x80, 0x80, 0x10, 0x0B]
        }
        let wide = try Module(decoding: module(memoryFlags: 0x04))
        #expect(wide.codes[0].body[1] == .load(.i64Load, MemArg(align: 3, offset: 1 << 32)))
        #expect(Self.decodeError(module(memoryFlags: 0x00))?.reason == .integerTooLarge)
    }

    @Test func tooManyLocalsIsRejected() throws {
        // Two groups: 2^32 - 1 i32 locals and 2 i64 locals.
        let bytes =
            Self.header + Self.oneFunction
            + [0x0A, 0x0C, 0x01, 0x0A, 0x02, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x7F, 0x02, 0x7E, 0x0B]
        let error = try #require(Self.decodeError(bytes))
        #expect(error.reason == .tooManyLocals)
        #expect(error.offset == Self.header.count + Self.oneFunction.count + 11)
    }

    /// Most binary assert_malformed cases fail for the reason the spec names.
    /// The rest fail for another reason met first or worded differently (the
    /// reference interpreter reads a section's contents past its declared end
    /// before noticing the size mismatch; this decoder stops at the end).
    @Test func rejectionsMostlyUseTheSpecsWording() throws {
        guard SpecSuite.isAvailable() else { return }
        var same = 0
        var total = 0
        for command in SpecSuite.commands("assert_malformed") {
            guard let error = Self.decodeError(try command.bytes()) else { continue }
            total += 1
            if error.reason.specText == command.text { same += 1 }
        }
        print("spec wording: \(same) of \(total) rejections use the spec's message")
        #expect(total == 880)
        #expect(same >= 800)
    }
}

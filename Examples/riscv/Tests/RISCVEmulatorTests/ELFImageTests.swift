import Foundation
import TestSupport
import Testing

@testable import RISCVEmulator

@Suite struct ELFImageTests {
    let hello: [UInt8]

    init() throws { hello = try GuestPrograms.elf("hello") }

    /// Writes a little-endian field into a copy of the file.
    func patched(_ offset: Int, _ size: Int, _ value: UInt64) -> [UInt8] {
        var bytes = hello
        for index in 0..<size {
            bytes[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(index)))
        }
        return bytes
    }

    func field(_ offset: Int, _ size: Int) -> UInt64 {
        (0..<size).reduce(UInt64(0)) { $0 | UInt64(hello[offset + $1]) << (8 * UInt64($1)) }
    }

    /// Offset of program header `index` (e_phoff + 56 * index).
    func programHeader(_ index: Int) -> Int { Int(field(32, 8)) + 56 * index }

    @Test func loadsSegmentsEntryAndSymbolsOfARealProgram() throws {
        let image = try ELFImage(bytes: hello)
        #expect(image.entry == field(24, 8))
        #expect(image.symbols["_start"] == image.entry)
        #expect(image.symbols["main"] != nil)
        let code = try #require(image.segments.first { $0.isExecutable })
        #expect(!code.isWritable)
        #expect(image.entry >= code.virtualAddress && image.entry < code.endAddress)
        for (index, segment) in image.segments.enumerated() {
            #expect(UInt64(segment.contents.count) <= segment.memorySize, "segment \(index)")
        }
    }

    @Test func everyTruncationThrows() {
        for length in 0..<hello.count {
            #expect(throws: ELFError.self) { try ELFImage(bytes: Array(hello[0..<length])) }
        }
    }

    @Test func rejectsWrongIdentification() {
        #expect(throws: ELFError.notELF) { try ELFImage(bytes: patched(0, 1, 0x7e)) }
        #expect(throws: ELFError.unsupported(field: "EI_CLASS", value: 1, expected: "2 (ELFCLASS64)")) {
            try ELFImage(bytes: patched(4, 1, 1))
        }
        #expect(throws: ELFError.unsupported(field: "EI_DATA", value: 2, expected: "1 (little-endian)")) {
            try ELFImage(bytes: patched(5, 1, 2))
        }
        #expect(throws: ELFError.unsupported(field: "e_machine", value: 62, expected: "243 (EM_RISCV)")) {
            try ELFImage(bytes: patched(18, 2, 62))  // EM_X86_64
        }
        #expect(throws: ELFError.unsupported(field: "e_type", value: 3, expected: "2 (ET_EXEC, not a PIE)")) {
            try ELFImage(bytes: patched(16, 2, 3))
        }
        #expect(throws: ELFError.self) { try ELFImage(bytes: patched(48, 4, 0x5)) }  // RVC + double-float
    }

    @Test func rejectsDynamicPrograms() {
        #expect(throws: ELFError.dynamicallyLinked) {
            try ELFImage(bytes: patched(programHeader(0), 4, 3))  // PT_INTERP
        }
    }

    @Test func rejectsInconsistentSegments() throws {
        let image = try ELFImage(bytes: hello)
        // The first PT_LOAD: make its file size exceed its memory size.
        let index = try #require((0..<Int(field(56, 2))).first { field(programHeader($0), 4) == 1 })
        let header = programHeader(index)
        let memorySize = field(header + 40, 8)
        #expect(
            throws: ELFError.badSegment(
                index: index, detail: "p_filesz \(memorySize + 1) exceeds p_memsz \(memorySize)")
        ) {
            try ELFImage(bytes: patched(header + 32, 8, memorySize + 1))
        }
        // Its contents past the end of the file.
        #expect(throws: ELFError.self) { try ELFImage(bytes: patched(header + 8, 8, UInt64(hello.count))) }
        // Its range wrapping around the address space.
        #expect(throws: ELFError.badSegment(index: index, detail: "address range wraps around")) {
            try ELFImage(bytes: patched(header + 16, 8, UInt64.max - 1))
        }
        // Moved onto another segment.
        let other = image.segments[1].virtualAddress
        #expect(throws: ELFError.self) { try ELFImage(bytes: patched(header + 16, 8, other)) }
        // The entry point in data.
        #expect(throws: ELFError.entryOutsideCode(entry: 0x1234)) {
            try ELFImage(bytes: patched(24, 8, 0x1234))
        }
        // No program headers.
        #expect(throws: ELFError.noLoadableSegments) { try ELFImage(bytes: patched(56, 2, 0)) }
        // Program headers beyond the file.
        #expect(throws: ELFError.self) { try ELFImage(bytes: patched(32, 8, UInt64.max - 8)) }
    }

    /// Random corruption never crashes the loader or the interpreter: each
    /// file either loads and runs (to an exit or a typed fault) or is rejected.
    @Test func randomCorruptionGivesTypedErrors() {
        var generator = SplitMix64(seed: 0x5eed)
        var rejected = 0
        for _ in 0..<400 {
            var bytes = hello
            for _ in 0..<Int(generator.next() % 4 + 1) {
                let at = Int(generator.next() % 256)  // the headers
                bytes[at] = UInt8(truncatingIfNeeded: generator.next())
            }
            do {
                let image = try ELFImage(bytes: bytes)
                let machine = try ReferenceInterpreter(image: image, memoryLimit: 16 << 20)
                _ = try machine.run(instructionLimit: 5_000)
                let translated = try TranslatingMachine(
                    image: image, memoryLimit: 16 << 20, compilation: .off)
                _ = try translated.run(instructionLimit: 5_000)
            } catch is ELFError {
                rejected += 1
            } catch is MachineSetupError {
                rejected += 1
            } catch is GuestFault {
                rejected += 1
            } catch {
                Issue.record("untyped error \(error)")
            }
        }
        #expect(rejected > 0)
    }
}

// Printer tests: exact float and string literals, and the round trip
// print -> wat2wasm -> decode over every decodable module of the spec suite.

import Foundation
import TestSupport
import Testing
import WasmBinary

@Suite struct PrinterTests {
    // MARK: Literals

    @Test func f32LiteralsReadBackToTheSameBits() {
        var rng = SplitMix64(seed: 0xF32)
        var samples: [UInt32] = [
            0, 0x8000_0000, 1, 0x8000_0001, 0x007F_FFFF, 0x0080_0000, 0x3F80_0000, 0x7F7F_FFFF,
        ]
        for _ in 0..<5000 { samples.append(UInt32(truncatingIfNeeded: rng.next())) }
        for bits in samples where !Float(bitPattern: bits).isNaN && !Float(bitPattern: bits).isInfinite {
            let text = WatLiteral.f32(bits: bits)
            // Swift's own hexadecimal float parser (strtof) is the independent reader.
            #expect(
                Float(text)?.bitPattern == bits, "\(text) should read back as 0x\(String(bits, radix: 16))")
        }
    }

    @Test func f64LiteralsReadBackToTheSameBits() {
        var rng = SplitMix64(seed: 0xF64)
        var samples: [UInt64] = [
            0, 1 << 63, 1, 0x000F_FFFF_FFFF_FFFF, 0x0010_0000_0000_0000, 0x3FF0_0000_0000_0000,
        ]
        for _ in 0..<5000 { samples.append(rng.next()) }
        for bits in samples where !Double(bitPattern: bits).isNaN && !Double(bitPattern: bits).isInfinite {
            let text = WatLiteral.f64(bits: bits)
            #expect(
                Double(text)?.bitPattern == bits, "\(text) should read back as 0x\(String(bits, radix: 16))")
        }
    }

    @Test func specialFloatsKeepSignAndPayload() {
        #expect(WatLiteral.f32(bits: 0x3F80_0000) == "0x1p+0")
        #expect(WatLiteral.f32(bits: 0xC060_0000) == "-0x1.cp+1")
        #expect(WatLiteral.f32(bits: 0x8000_0000) == "-0x0p+0")
        #expect(WatLiteral.f32(bits: 0x0000_0001) == "0x0.000002p-126")
        #expect(WatLiteral.f32(bits: 0x7F80_0000) == "inf")
        #expect(WatLiteral.f32(bits: 0xFF80_0000) == "-inf")
        #expect(WatLiteral.f32(bits: 0x7FC0_0000) == "nan:0x400000")
        #expect(WatLiteral.f32(bits: 0xFF80_0001) == "-nan:0x1")
        #expect(WatLiteral.f64(bits: 0x7FF0_0000_0000_0001) == "nan:0x1")
        #expect(WatLiteral.f64(bits: 0xFFF8_0000_0000_0000) == "-nan:0x8000000000000")
        #expect(WatLiteral.f64(bits: 0x0000_0000_0000_0001) == "0x0.0000000000001p-1022")
    }

    @Test func stringsEscapeEveryUnusualByte() {
        #expect(WatLiteral.string(Array("a\"b\\c".utf8)) == #""a\22b\5cc""#)
        #expect(WatLiteral.string([0x00, 0x0A, 0x7F, 0xFF]) == #""\00\0a\7f\ff""#)
        #expect(WatLiteral.string(Array("\u{FEFF}é".utf8)) == #""\ef\bb\bf\c3\a9""#)
    }

    @Test func printsMemory64SharedAndFlatInstructions() {
        var module = Module()
        module.imports = [
            Import(
                module: "env", name: "memory",
                descriptor: .memory(Limits(min: 0, max: 262144, isShared: true, is64: true)))
        ]
        _ = module.addFunction(
            type: FunctionType(parameters: [.i64], results: [.i64]),
            body: FunctionBody(body: [
                .localGet(0), .atomic(.i64AtomicLoad, MemArg(align: 3, offset: 16)), .end,
            ]))
        let text = module.wat
        #expect(text.contains(#"(import "env" "memory" (memory (;0;) i64 0 262144 shared))"#))
        #expect(text.contains("i64.atomic.load offset=16 align=8"))
        #expect(text.contains("(func (;0;) (type 0)"))
    }

    // MARK: Round trip through wat2wasm

    /// What the text format cannot express, brought to the form `wat2wasm`
    /// chooses (see ``WatPrinter``): no custom or empty sections, no data count,
    /// segments without explicit table/memory indices and with function
    /// indices whenever every element is a `ref.func`, short block types, and
    /// maximal local runs.
    static func normalized(_ module: Module) -> Module {
        var m = module
        m.customSections = []
        m.emptySectionsPresent = []
        m.dataCount = nil
        for i in m.elements.indices {
            m.elements[i].hasExplicitTableIndex = false
            if case .expressions(let expressions) = m.elements[i].initializers, m.elements[i].type == .funcref
            {
                var indices: [UInt32] = []
                for e in expressions {
                    guard e.count == 2, case .refFunc(let f) = e[0], case .end = e[1] else { break }
                    indices.append(f)
                }
                if indices.count == expressions.count {
                    m.elements[i].initializers = .functionIndices(indices)
                }
            }
        }
        for i in m.data.indices { m.data[i].hasExplicitMemoryIndex = false }
        for i in m.codes.indices {
            var groups: [LocalGroup] = []
            for group in m.codes[i].locals where group.count > 0 {
                if let last = groups.last, last.type == group.type {
                    groups[groups.count - 1].count += group.count
                } else {
                    groups.append(group)
                }
            }
            m.codes[i].locals = groups
            m.codes[i].body = m.codes[i].body.map { instruction in
                func short(_ type: BlockType) -> BlockType {
                    guard case .typeIndex(let x) = type, Int(x) < m.types.count else { return type }
                    let signature = m.types[Int(x)]
                    guard signature.parameters.isEmpty, signature.results.count <= 1 else { return type }
                    return signature.results.first.map { .value($0) } ?? .empty
                }
                switch instruction {
                case .block(let t): return .block(short(t))
                case .loop(let t): return .loop(short(t))
                case .if(let t): return .if(short(t))
                default: return instruction
                }
            }
        }
        return m
    }

    @Test func everySpecModuleSurvivesWat2wasm() async throws {
        guard SpecSuite.isAvailable() else { return }
        guard let wat2wasm = ExternalTool.findOrSkip("wat2wasm") else { return }
        let kinds: Set<String> = ["module", "assert_invalid", "assert_unlinkable", "assert_uninstantiable"]
        var seen = Set<String>()
        let candidates = SpecSuite.commands.filter {
            kinds.contains($0.kind) && seen.insert($0.path).inserted
        }
        // Two assert_invalid binaries are malformed (no data count section, see
        // SpecDecodingTests); there is nothing to print for them.
        let commands = candidates.filter { (try? Module(decoding: try $0.bytes())) != nil }
        #expect(candidates.count - commands.count == 2)
        let directory = try ExternalTool.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // Two workers, as the machine has two cores; each runs wat2wasm on every other module.
        let failures = try await withThrowingTaskGroup(of: [String].self) { group in
            for worker in 0..<2 {
                group.addTask {
                    var failures: [String] = []
                    for (i, command) in commands.enumerated() where i % 2 == worker {
                        if let failure = try Self.roundTrip(
                            command, wat2wasm: wat2wasm, directory: directory, id: i)
                        {
                            failures.append(failure)
                        }
                    }
                    return failures
                }
            }
            var all: [String] = []
            for try await part in group { all += part }
            return all
        }
        print("printer round trip: \(commands.count - failures.count) of \(commands.count) modules")
        #expect(commands.count > 2800)
        #expect(failures.isEmpty, "\(failures.count) failures, e.g. \(failures.prefix(5))")
    }

    private static func roundTrip(_ command: SpecModuleCommand, wat2wasm: String, directory: URL, id: Int)
        throws
        -> String?
    {
        let original = try Module(decoding: try command.bytes())
        let watPath = directory.appendingPathComponent("\(id).wat").path
        let wasmPath = directory.appendingPathComponent("\(id).wasm").path
        try Data(original.wat.utf8).write(to: URL(fileURLWithPath: watPath))
        var flags = ["--enable-threads", "--enable-memory64"]
        // Invalid modules are assembled without wabt's checks; a few name a
        // second memory, which the assembler only writes with multi-memory on.
        if command.kind == "assert_invalid" { flags += ["--no-check", "--enable-multi-memory"] }
        let toolRun = try ExternalTool.run(wat2wasm, flags + [watPath, "-o", wasmPath])
        let (status, output) = (toolRun.status, toolRun.text)
        guard status == 0 else { return "\(command): wat2wasm failed: \(output.prefix(300))" }
        let again = try Module(decoding: [UInt8](try Data(contentsOf: URL(fileURLWithPath: wasmPath))))
        guard normalized(again) == normalized(original) else {
            return "\(command): the reassembled module differs"
        }
        return nil
    }
}

extension PrinterTests {
    @Test func hugeLocalCountsArePrintedAsAComment() {
        var module = Module()
        _ = module.addFunction(
            type: FunctionType(),
            body: FunctionBody(locals: [LocalGroup(count: UInt32.max, type: .i32)], body: [.end]))
        let text = module.wat
        #expect(text.contains("(; 4294967295 locals not printed"))
        #expect(text.utf8.count < 1000)
    }
}

extension PrinterTests {
    @Test func customSectionsAreListedInCommentsThatCannotEndEarly() throws {
        var module = Module()
        module.customSections = [CustomSection(name: "x;)(;y", bytes: [1, 2, 3], after: .type)]
        let text = module.wat
        #expect(text.contains(#"(; custom section "x\3b)(\3by", 3 bytes, after the type section ;)"#))
        guard let wat2wasm = ExternalTool.findOrSkip("wat2wasm") else { return }
        let directory = try ExternalTool.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("m.wat").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        let toolRun = try ExternalTool.run(wat2wasm, [path, "-o", path + ".wasm"])
        let (status, output) = (toolRun.status, toolRun.text)
        #expect(status == 0, "\(output)")
    }
}

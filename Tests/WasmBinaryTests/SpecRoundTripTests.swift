// Encoder against the spec suite: decode -> encode -> decode gives the same
// model for every module, and re-encoding reproduces the original bytes for
// every module whose LEB128 integers are already minimal.

import Testing
import WasmBinary

@Suite struct SpecRoundTripTests {
    @Test func everySpecModuleReencodesByteForByte() throws {
        guard SpecSuite.isAvailable() else { return }
        var exact = 0
        var nonCanonical: [String] = []
        for command in SpecSuite.commands("module") {
            let original = try command.bytes()
            let module = try Module(decoding: original)
            let encoded = module.encoded()
            let again = try Module(decoding: encoded)
            #expect(again == module, "\(command): the re-encoded module decodes differently")
            if encoded == original {
                exact += 1
            } else if encoded.count < original.count && again == module {
                // Same model, fewer bytes: only LEB128 widths can differ, since the
                // model keeps everything else (segment forms, empty sections,
                // custom section placement). The original used padded integers.
                nonCanonical.append(command.description)
            } else {
                Issue.record("\(command): re-encoding differs (\(original.count) -> \(encoded.count) bytes)")
            }
        }
        print("round trip: \(exact) byte-exact, \(nonCanonical.count) non-canonical skipped: \(nonCanonical)")
        #expect(exact > 1100)
        // Only hand-written `(module binary ...)` modules use padded LEB128s:
        // binary-leb128.wast (core and memory64), binary.wast, and the one
        // binary module of float_literals.wast (section sizes padded to 5 bytes).
        #expect(
            nonCanonical.allSatisfy {
                $0.contains("binary") || $0.hasPrefix("core/float_literals.wast:192 ")
            })
        #expect(nonCanonical.count == 70)
    }
}

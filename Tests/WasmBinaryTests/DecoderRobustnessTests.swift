// Hostile input: truncations and byte mutations of real modules must either
// decode or fail with a DecodeError at a sensible offset - never crash, hang or
// allocate for lengths the input cannot hold. Whatever does decode must survive
// an encode/decode round trip unchanged and go through the validator, which
// must answer with a ValidationError or success, never a crash.

import TestSupport
import Testing

@testable import WasmBinary

@Suite struct DecoderRobustnessTests {
    @Test func splitMix64MatchesItsReferenceOutput() {
        // First outputs for seed 0 of the reference C implementation (splitmix64.c).
        var rng = SplitMix64(seed: 0)
        #expect(rng.next() == 0xE220_A839_7B1D_CDAF)
        #expect(rng.next() == 0x6E78_9E6A_A1B9_65F4)
    }

    /// Decodes `input`; returns whether it decoded, checking the error or the
    /// round trip, and whether the validator (which must not crash either) accepts it.
    static func check(_ input: [UInt8]) -> (decoded: Bool, valid: Bool) {
        do {
            let module = try Module(decoding: input)
            let again = try? Module(decoding: module.encoded())
            #expect(again == module, "a decoded mutant does not survive a round trip")
            do {
                try module.validate()
                return (true, true)
            } catch {
                #expect(!error.description.isEmpty)
                return (true, false)
            }
        } catch {
            // The offset must lie inside the input (or just past it, for truncation).
            #expect(error.offset >= 0 && error.offset <= input.count, "\(error)")
            #expect(!error.description.isEmpty)
            return (false, false)
        }
    }

    @Test func truncatedAndMutatedSpecModulesNeverCrash() throws {
        guard SpecSuite.isAvailable() else { return }
        let modules = try SpecSuite.commands("module").map { try $0.bytes() }.filter { $0.count <= 4096 }
        #expect(modules.count > 1000)
        var rng = SplitMix64(seed: 0x5EED_0F_A5)
        var inputs = 0
        var decoded = 0
        var valid = 0
        let iterations = 110_000
        for i in 0..<iterations {
            let original = modules[Int(rng.next() % UInt64(modules.count))]
            var input = original
            switch i % 4 {
            case 0:  // truncation
                input.removeLast(1 + Int(rng.next() % UInt64(input.count)))
            case 1:  // one random byte
                input[Int(rng.next() % UInt64(input.count))] = UInt8(truncatingIfNeeded: rng.next())
            case 2:  // a few bit flips after the header
                for _ in 0..<(1 + rng.next() % 3) where input.count > 8 {
                    let at = 8 + Int(rng.next() % UInt64(input.count - 8))
                    input[at] ^= 1 << UInt8(rng.next() % 8)
                }
            default:  // LEB128 stress: a continuation/maximal byte, or a chunk removed
                let at = Int(rng.next() % UInt64(input.count))
                if rng.next() % 2 == 0 {
                    input[at] = [0x80, 0xFF, 0x7F, 0x00][Int(rng.next() % 4)]
                } else {
                    input.removeSubrange(at..<min(input.count, at + 1 + Int(rng.next() % 8)))
                }
            }
            inputs += 1
            let result = Self.check(input)
            if result.decoded { decoded += 1 }
            if result.valid { valid += 1 }
        }
        print(
            "robustness: \(inputs) inputs, \(inputs - decoded) rejected with DecodeError, "
                + "\(decoded) decoded, of which \(valid) validate")
        #expect(inputs >= 100_000)
        #expect(decoded > 0 && decoded < inputs)
        #expect(valid > 0 && valid < decoded)
    }

    @Test func hugeCountsFailWithoutAllocating() {
        let header: [UInt8] = [0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00]
        // A type section claiming 2^32 - 1 entries in 6 bytes.
        let types = header + [0x01, 0x06, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x60]
        #expect(throws: DecodeError.self) { try Module(decoding: types) }
        // A data segment claiming 4 GiB of bytes.
        let data = header + [0x0B, 0x08, 0x01, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x00]
        #expect(throws: DecodeError.self) { try Module(decoding: data) }
        // A br_table with 2^32 - 1 targets.
        let code: [UInt8] =
            header + [0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00]
            + [0x0A, 0x0B, 0x01, 0x09, 0x00, 0x41, 0x00, 0x0E, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F]
        #expect(throws: DecodeError.self) { try Module(decoding: code) }
    }

    @Test func deeplyNestedBlocksDecodeWithoutRecursion() throws {
        // 100,000 nested blocks: the decoder is iterative, so no stack overflow.
        let depth = 100_000
        var body: [UInt8] = [0x00]
        body += [UInt8](repeating: 0x02, count: depth * 2)
        for i in stride(from: 2, to: body.count, by: 2) { body[i] = 0x40 }
        body += [UInt8](repeating: 0x0B, count: depth + 1)
        var writer = WasmBytesWriter()
        writer.append(contentsOf: [0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00])
        writer.appendSection(.type) { w in w.append(contentsOf: [0x01, 0x60, 0x00, 0x00]) }
        writer.appendSection(.function) { w in w.append(contentsOf: [0x01, 0x00]) }
        writer.appendSection(.code) { w in
            w.append(0x01)
            w.appendVector(body)
        }
        let module = try Module(decoding: writer.bytes)
        #expect(module.codes[0].body.count == 2 * depth + 1)
        #expect(module.encoded() == writer.bytes)
    }
}

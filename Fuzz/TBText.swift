// libFuzzer target: the TB text parser, printer and Wasm emitter.
//
// Built by scripts/fuzz.sh (swiftc -sanitize=fuzzer,address), not by SwiftPM.
// Oracle: parsing any text either succeeds or throws a typed TBParseError. A
// block that parses must print to text that parses back to the same block, and
// the Wasm module emitted for it (both addressing variants) must decode and
// validate.
import Foundation
import TBCodegen
import TestSupport
import WasmBinary

@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(
    _ argc: UnsafeMutablePointer<CInt>?,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?
) -> CInt {
    // scripts/fuzz.sh seeds the corpus with random blocks in every op shape.
    guard let directory = ProcessInfo.processInfo.environment["TB_FUZZ_SEED_DIR"] else { return 0 }
    for seed in 0..<UInt64(64) {
        var generator = RandomTBGenerator(seed: seed)
        let text = generator.next().text
        FileManager.default.createFile(atPath: "\(directory)/random-\(seed).tb", contents: Data(text.utf8))
    }
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: start, count: count), as: UTF8.self)
    let tb: TranslationBlock
    do {
        tb = try TranslationBlock(parsing: text)
    } catch {
        _ = error.description
        return 0
    }
    let printed = tb.text
    do {
        let reparsed = try TranslationBlock(parsing: printed)
        if reparsed != tb { fatalError("print/parse round trip changed the block:\n\(printed)") }
    } catch {
        fatalError("printed block does not parse: \(error)\n\(printed)")
    }
    for addressing in [TBEmitter.Addressing.memory64, .memory32] {
        let bytes = TBEmitter.binary(for: tb, addressing: addressing)
        do {
            try Validator.validate(try Module(decoding: bytes))
        } catch {
            fatalError("emitted module (\(addressing)) is invalid: \(error)\n\(printed)")
        }
    }
    return 0
}

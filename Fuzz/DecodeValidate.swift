// libFuzzer target: the Wasm decoder and validator on arbitrary bytes.
//
// Built by scripts/fuzz.sh (swiftc -sanitize=fuzzer,address), not by SwiftPM.
// Oracle: neither may crash or hang on any input; every failure must be a
// typed error. A module that decodes must re-encode to bytes that decode
// again and encode to the same bytes (encoding is a fixpoint after one round),
// and validation must give the same verdict on the re-decoded module.
import WasmBinary

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: start, count: count))
    let module: Module
    do {
        module = try Module(decoding: bytes)
    } catch {
        _ = error.description  // the message must be printable
        return 0
    }
    var valid = true
    do { try Validator.validate(module) } catch {
        _ = error.description
        valid = false
    }
    let reencoded = module.encoded()
    let again: Module
    do {
        again = try Module(decoding: reencoded)
    } catch {
        fatalError("re-encoded module does not decode: \(error)")
    }
    if again.encoded() != reencoded { fatalError("encode(decode(encode(m))) != encode(m)") }
    var validAgain = true
    do { try Validator.validate(again) } catch { validAgain = false }
    if valid != validAgain { fatalError("validation verdict changed after re-encoding") }
    return 0
}

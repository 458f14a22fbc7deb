// libFuzzer target: the native tier against the interpreter.
//
// Built by scripts/fuzz.sh (swiftc -sanitize=fuzzer,address), not by SwiftPM.
// The input drives the random module generator of the differential tests
// (Tests/Support/RandomWasmModules.swift: two input bytes per choice, so a
// mutation changes one choice); the module and its calls run on both engines
// (Tests/Support/EngineDifferential.swift).
//
// Oracle: the generated module validates, and both engines agree on every
// call's results and trap reasons, the memory, the globals and the table;
// any difference stops the fuzzer with the module's text.
import TestSupport
import WasmBinary
import WasmInterpreter

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = start.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? []
    var generator = RandomWasmModuleGenerator(random: FuzzInputRandom(bytes))
    let testCase = DifferentialCase.random(&generator)
    do {
        try Validator.validate(testCase.module)
    } catch {
        fatalError("the generator made an invalid module: \(error)\n\(testCase.module.wat)")
    }
    if let difference = EngineDifferential.difference(testCase) {
        fatalError("the engines differ: \(difference)\n\(testCase.module.wat)")
    }
    return 0
}

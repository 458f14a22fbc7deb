import Testing
import WasmBinary
import WasmInterpreter

@testable import WasmSpec

@Test func expectedValuesFollowTheNaNRules() {
    #expect(SpecValue.canonicalNaN(.f32).matches(.f32(0xFFC0_0000)))
    #expect(!SpecValue.canonicalNaN(.f32).matches(.f32(0x7FC0_0001)))
    #expect(SpecValue.arithmeticNaN(.f32).matches(.f32(0x7FC0_0001)))
    #expect(!SpecValue.arithmeticNaN(.f32).matches(.f32(0x7F80_0001)))
    #expect(SpecValue.canonicalNaN(.f64).matches(.f64(0x7FF8_0000_0000_0000)))
    #expect(!SpecValue.arithmeticNaN(.f64).matches(.f64(0x3FF0_0000_0000_0000)))
    #expect(SpecValue.f32(bits: 0x8000_0000).matches(.f32(0x8000_0000)))
    #expect(!SpecValue.f32(bits: 0x8000_0000).matches(.f32(0)))
    #expect(SpecValue.externReference(7).matches(.externref(7)))
    #expect(!SpecValue.null(.externref).matches(.externref(0)))
}

@Test func executorRunsActionsAgainstTheSpectestHost() throws {
    // (module (import "spectest" "global_i32" (global i32)) (func (export "g") (result i32) global.get 0))
    var module = Module()
    module.types = [FunctionType(results: [.i32])]
    module.imports = [
        Import(
            module: "spectest", name: "global_i32",
            descriptor: .global(GlobalType(valueType: .i32, isMutable: false)))
    ]
    module.functions = [0]
    module.codes = [FunctionBody(body: [.globalGet(0), .end])]
    module.exports = [Export(name: "g", descriptor: .function(0))]
    let executor = SpecExecutor()
    try executor.instantiate(module, name: "$M")
    #expect(try executor.perform(.invoke(module: "$M", field: "g", arguments: [])) == [.i32(666)])
    let outcome = executor.run(
        SpecCommand(
            line: 1, kind: .assertReturn(.invoke(module: nil, field: "g", arguments: []), expected: [.i32(1)])
        ),
        nil)
    #expect(outcome != .passed)
}

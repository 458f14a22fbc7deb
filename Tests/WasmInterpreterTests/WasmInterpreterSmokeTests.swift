import Testing
@testable import WasmInterpreter

@Test func moduleLinks() { #expect(Bool(true)) }

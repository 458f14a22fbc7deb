import Testing
@testable import WasmBinary

@Test func moduleLinks() { #expect(Bool(true)) }

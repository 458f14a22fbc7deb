import Testing
@testable import WasmSpec

@Test func moduleLinks() { #expect(Bool(true)) }

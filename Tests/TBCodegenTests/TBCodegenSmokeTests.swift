import Testing
@testable import TBCodegen

@Test func moduleLinks() { #expect(Bool(true)) }

import Testing
@testable import TBRuntime

@Test func moduleLinks() { #expect(Bool(true)) }

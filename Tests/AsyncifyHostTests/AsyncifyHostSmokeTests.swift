import Testing
@testable import AsyncifyHost

@Test func moduleLinks() { #expect(Bool(true)) }

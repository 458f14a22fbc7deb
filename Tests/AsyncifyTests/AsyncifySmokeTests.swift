import Testing
@testable import Asyncify

@Test func moduleLinks() { #expect(Bool(true)) }

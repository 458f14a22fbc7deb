import Foundation
import Testing

/// The programs in Examples/, built by `swift build`, run as a user runs them.
@Suite struct ExamplesTests {
    /// sum(3) with the host handing out 10, 20, 30: three suspensions, running
    /// totals 10, 30, 60 (report runs once per value, not again on the rewinds).
    @Test func hostResumeSumsTheValuesTheHostHandsOut() throws {
        let run = try ExampleRunner.run("HostResume")
        #expect(run.status == 0, "\(run.stderr)")
        let expected =
            [10, 20, 30].map { "sum suspended in next_value; resuming with \($0)" } + [
                "running totals: 10 30 60", "sum = 60",
            ]
        #expect(run.stdout.split(separator: "\n").map(String.init) == expected)
    }
}

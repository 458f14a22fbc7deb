import Foundation
import Testing

/// The programs in Examples/, built by `swift build`, run as a user runs them.
@Suite struct ExamplesTests {
    /// sum(3) with the host handing out 10, 20, 30: three suspensions, running
    /// totals 10, 30, 60 (report runs once per value, not again on the rewinds).
    @Test func hostResumeSumsTheValuesTheHostHandsOut() throws {
        let run = try ExampleRunner.run("HostResume")
        #expect(run.status == 0, "\(run.stderrText)")
        let expected =
            [10, 20, 30].map { "sum suspended in next_value; resuming with \($0)" } + [
                "running totals: 10 30 60", "sum = 60",
            ]
        #expect(run.stdoutText.split(separator: "\n").map(String.init) == expected)
    }

    @Test func fiberGeneratorPrintsTheFibonacciNumbers() throws {
        let run = try ExampleRunner.run("FiberGenerator")
        #expect(run.status == 0, "\(run.stderrText)")
        var numbers = [0, 1]
        while numbers.count < 10 { numbers.append(numbers[numbers.count - 1] + numbers[numbers.count - 2]) }
        let expected = [numbers.map(String.init).joined(separator: " "), "sum \(numbers.reduce(0, +))"]
        #expect(run.stdoutText.split(separator: "\n").map(String.init) == expected)
    }

    /// Two CPUs alternate in h_step(a, b) = 10a + b over b = 5...1, from r3 = 0
    /// and r3 = 7: the scheduler resumes them round-robin, each with its own r3.
    @Test func tbSchedulerInterleavesTwoCPUsInOneTB() throws {
        let run = try ExampleRunner.run("TBScheduler")
        #expect(run.status == 0, "\(run.stderrText)")
        var r3: [UInt64] = [0, 7]
        var expected: [String] = []
        for b in stride(from: UInt64(5), through: 1, by: -1) {
            for cpu in 0..<2 {
                expected.append("cpu \(cpu) (fiber #\(cpu + 1)) yields in h_step(\(r3[cpu]), \(b))")
                r3[cpu] = r3[cpu] * 10 + b
            }
        }
        expected += ["cpu 0: r3 = \(r3[0])", "cpu 1: r3 = \(r3[1])"]
        #expect(run.stdoutText.split(separator: "\n").map(String.init) == expected)
        #expect(r3 == [54321, 754321])
    }
}

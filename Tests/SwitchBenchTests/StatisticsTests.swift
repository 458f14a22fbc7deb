import Testing

@testable import SwitchBench

@Suite struct StatisticsTests {
    @Test func medianOfOddCountIsMiddleValue() {
        let row = Measurement(implementation: "x", depth: 1, samples: [5, 1, 3])
        #expect(row.median == 3)
        #expect(row.minimum == 1)
    }

    @Test func medianOfEvenCountIsMeanOfMiddlePair() {
        let row = Measurement(implementation: "x", depth: 1, samples: [4, 1, 3, 2])
        #expect(row.median == 2.5)
    }

    @Test func leastSquaresRecoversAnExactLine() throws {
        // y = 3 + 2x at the benchmark's depths.
        let fit = try #require(LinearFit([(1, 5), (4, 11), (16, 35), (64, 131)]))
        #expect(abs(fit.intercept - 3) < 1e-9)
        #expect(abs(fit.slope - 2) < 1e-9)
    }

    @Test func leastSquaresOfNoisyPointsMatchesHandComputation() throws {
        // Points (0,1), (1,3), (2,2): mean x 1, mean y 2, Sxy = 1, Sxx = 2.
        let fit = try #require(LinearFit([(0, 1), (1, 3), (2, 2)]))
        #expect(abs(fit.slope - 0.5) < 1e-12)
        #expect(abs(fit.intercept - 1.5) < 1e-12)
    }

    @Test func leastSquaresNeedsTwoDistinctDepths() {
        #expect(LinearFit([(1, 5)]) == nil)
        #expect(LinearFit([(4, 5), (4, 7)]) == nil)
    }
}

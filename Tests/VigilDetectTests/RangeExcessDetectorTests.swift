import Testing
import VigilDetect

@Suite struct RangeExcessDetectorTests {
    /// A small configuration whose figures can be worked out by hand.
    static var small: RangeExcessDetector.Configuration {
        var configuration = RangeExcessDetector.Configuration()
        configuration.history = 4
        configuration.smoothing = 2
        configuration.threshold = 0.5
        configuration.hold = 1
        configuration.warmUp = 3
        return configuration
    }

    @Test func aPointIsJudgedByHowFarItLeavesItsRecentRange() {
        let detector = RangeExcessDetector(features: ["x"], configuration: Self.small)
        // Two services see 10, 12, 10, 12, 10, 12: the last four values span 10...12, and the
        // 2-point means and changes have stopped moving (11 and 2), so those channels hold no range.
        for (step, value) in [10.0, 12, 10, 12, 10, 12].enumerated() {
            #expect(!detector.score(service: "a", values: [value], timestamp: Double(step)).isAnomaly)
            #expect(!detector.score(service: "b", values: [value], timestamp: Double(step)).isAnomaly)
        }
        // 12.8 leaves the range by 0.8 / 2 = 0.4 ranges: below the threshold of 0.5.
        let small = detector.score(service: "a", values: [12.8], timestamp: 6)
        #expect(!small.isAnomaly)
        #expect(abs(small.reconstructionError - 0.4) < 1e-9)
        #expect(abs(small.anomalyScore - 0.4) < 1e-9)
        // 13.5 leaves it by 0.75 ranges.
        let large = detector.score(service: "b", values: [13.5], timestamp: 6)
        #expect(large.isAnomaly)
        #expect(abs(large.reconstructionError - 0.75) < 1e-9)
        #expect(large.threshold == 0.5)
    }

    @Test func theValueChannelCatchesASpikeAndTheHoldKeepsTheFlagUp() {
        var configuration = Self.small
        configuration.history = 6
        configuration.hold = 2
        let series: [Double] = [10, 12, 10, 12, 10, 12, 30, 12, 10, 12, 10]
        let flags = RangeExcessDetector.flags(series, configuration: configuration)
        // 30 leaves 10...12 by 9 ranges. The next point's change (18, a 2-point mean of 18 against
        // a range of 1...10) fires the activity channel; the two points after that stay flagged.
        #expect(flags == [false, false, false, false, false, false, true, true, true, true, false])
    }

    @Test func aFlatlinedMetricThatMovesIsFlaggedAndNothingIsJudgedBeforeTheWarmUp() {
        var once = Self.small
        once.hold = 0
        // An error count at 0 for the whole history, then 1: flagged at once.
        let flat = RangeExcessDetector.flags([0, 0, 0, 0, 0, 1], configuration: once)
        #expect(flat[..<5].allSatisfy { !$0 })
        #expect(flat[5])
        var configuration = Self.small
        configuration.warmUp = 4
        // 10, 20 and 40 would each leave the range held before them, but fewer than 4 values are held.
        #expect(RangeExcessDetector.flags([10, 20, 40], configuration: configuration) == [false, false, false])
    }

    /// Before its warm-up a service is not judged: normal, at confidence 0.5, not 1.
    @Test func aServiceNotJudgedYetIsNormalWithoutConfidence() {
        let detector = RangeExcessDetector(features: ["x"], configuration: Self.small)
        let first = detector.score(service: "a", values: [1_000_000], timestamp: 0)
        #expect(!first.isAnomaly)
        #expect(first.confidence == 0.5)
        for step in 1...3 { _ = detector.score(service: "a", values: [1_000_000], timestamp: Double(step)) }
        #expect(detector.score(service: "a", values: [1_000_000], timestamp: 4).confidence == 1)
    }

    @Test func eachServiceAndFeatureHasItsOwnHistoryAndMissingValuesAreSkipped() {
        let detector = RangeExcessDetector(features: ["cpu", "latency"], configuration: Self.small)
        for i in 0..<8 {
            #expect(!detector.score(service: "a", values: [50 + Double(i % 2), 200 + Double(i % 2) * 10], timestamp: Double(i)).isAnomaly)
        }
        // 120 ms would be normal CPU, but it is far below this service's latency range.
        let score = detector.score(service: "a", values: [51, 120], timestamp: 8)
        #expect(score.isAnomaly)
        #expect(score.featureScores[1] > 0.9)
        #expect(score.confidence > 0.5)
        // Another service has no history yet: nothing to judge.
        #expect(!detector.score(service: "b", values: [51, 120], timestamp: 8).isAnomaly)
        #expect(!detector.score(service: "c", values: [nil, nil], timestamp: 8).isAnomaly)
        detector.forget(["a"])
        #expect(!detector.score(service: "a", values: [51, 120], timestamp: 9).isAnomaly)
    }

    /// The hold counts time steps, not events, and a held point says it is only held.
    @Test func theHoldCountsTimeStepsAndHeldPointsScoreAtTheThreshold() {
        var configuration = Self.small
        configuration.hold = 1
        let detector = RangeExcessDetector(features: ["x", "y"], configuration: configuration, capacity: 2)
        for (step, value) in [10.0, 12, 10, 12, 10, 12].enumerated() {
            _ = detector.score(service: "a", values: [value, nil], timestamp: Double(step))
            _ = detector.score(service: "a", values: [nil, value], timestamp: Double(step))
        }
        #expect(detector.score(service: "a", values: [30, nil], timestamp: 6).anomalyScore == 1)
        // Three more events at the same time (carrying nothing new), then the next step: all held.
        for _ in 0..<3 {
            let held = detector.score(service: "a", values: [nil, nil], timestamp: 6)
            #expect(held.isAnomaly && held.anomalyScore == 0.5 && held.confidence == 0.5)
        }
        #expect(detector.score(service: "a", values: [nil, nil], timestamp: 7).isAnomaly)
        #expect(!detector.score(service: "a", values: [nil, nil], timestamp: 8).isAnomaly)
        // Beyond its capacity the detector forgets the service seen longest ago.
        _ = detector.score(service: "b", values: [1, 1], timestamp: 9)
        _ = detector.score(service: "c", values: [1, 1], timestamp: 10)
        // 50 would leave a's old range (10...30) by a whole range; forgotten, a has no range yet.
        #expect(!detector.score(service: "a", values: [50, nil], timestamp: 11).isAnomaly)
    }
}

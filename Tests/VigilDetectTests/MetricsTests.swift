import Testing
import VigilDetect

@Suite struct MetricsTests {
    @Test func confusionMatrixFigures() {
        let matrix = ConfusionMatrix(predictions: [true, true, false, false, true], labels: [1, 0, 1, 0, 1])
        #expect(matrix == ConfusionMatrix(truePositives: 2, falsePositives: 1, trueNegatives: 1, falseNegatives: 1))
        #expect(matrix.precision == 2.0 / 3)
        #expect(matrix.recall == 2.0 / 3)
        #expect(matrix.f1 == 2.0 / 3)
    }

    @Test func rocAUCCountsTiesAsHalf() {
        // Pairs (positive, negative): 0.8>0.1, 0.8>0.4, 0.4=0.4 (½), 0.4>0.1 → 3.5 of 4.
        #expect(RankingMetrics.rocAUC(scores: [0.1, 0.4, 0.4, 0.8], labels: [0, 0, 1, 1]) == 0.875)
        #expect(RankingMetrics.rocAUC(scores: [1, 2], labels: [1, 1]) == nil)
    }

    @Test func averagePrecisionMatchesScikitLearn() {
        // sklearn.metrics.average_precision_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == 0.8333…
        let value = RankingMetrics.averagePrecision(scores: [0.1, 0.4, 0.35, 0.8], labels: [0, 0, 1, 1])!
        #expect(abs(value - 5.0 / 6) < 1e-12)
    }

    /// A NaN score (a diverged model) ranks as the most anomalous: the sweeps end, and the
    /// figures are those of that ranking.
    @Test func aNaNScoreRanksHighestAndEndsTheSweeps() {
        #expect(RankingMetrics.rocAUC(scores: [0.1, .nan, 0.4], labels: [0, 1, 0]) == 1)
        #expect(RankingMetrics.averagePrecision(scores: [0.1, .nan, 0.4], labels: [0, 1, 0]) == 1)
        // Calibration leaves the NaN out: its threshold is a number, from the errors that are.
        let calibration = Calibration(errors: [0.1, .nan, 0.4, 0.2, 0.9], labels: [0, 1, 0, 0, 1])
        #expect(calibration?.validation?.f1 == 1)
        #expect(abs((calibration?.threshold ?? .nan) - 0.65) < 1e-6)
        #expect(Calibration(errors: [0.1, .nan], labels: [0, 1]) == nil)
    }
}

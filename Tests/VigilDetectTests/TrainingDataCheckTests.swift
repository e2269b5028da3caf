import Testing
import VigilML

@testable import VigilDetect

@Suite struct TrainingDataCheckTests {
    /// A dataset of `columns` (name and values, all of one length).
    private func dataset(_ columns: [(String, [Float])]) -> Dataset {
        let rows = columns[0].1.count
        var values: [Float] = []
        for row in 0..<rows { values += columns.map { $0.1[row] } }
        return Dataset(features: columns.map(\.0), values: Matrix(rows: rows, columns: columns.count, values: values), source: "h.csv")
    }

    private func noisy(_ count: Int, around level: Float, seed: UInt64 = 1) -> [Float] {
        var generator = SeededGenerator(seed: seed)
        return (0..<count).map { _ in level + Float.random(in: -5...5, using: &generator) }
    }

    @Test func aLabelUsedAsAFeatureIsNamed() {
        let flags: [Float] = (0..<1000).map { $0 % 50 == 0 ? 1 : 0 }
        let warnings = TrainingDataCheck.warnings(for: dataset([("cpu", noisy(1000, around: 50)), ("Anomaly", flags), ("changepoint", flags)]))
        #expect(warnings.count == 2)
        #expect(warnings.first?.hasPrefix("warning: feature 'Anomaly' holds only 0 and 1 and is named like a label") == true)
        #expect(TrainingDataCheck.warnings(for: dataset([("is_attack", flags), ("lab_labels", flags), ("target", flags)])).count == 3)
        // A 0/1 feature named as a metric, or a count named like a label, is not one.
        let counts = flags.enumerated().map { $0.element * Float($0.offset % 7) }
        #expect(TrainingDataCheck.warnings(for: dataset([("cpu", noisy(1000, around: 50)), ("leader", flags), ("fault", counts)])).isEmpty)
    }

    /// SKAB's `Volume Flow RateRMS` trains, but no metric event can carry that name.
    @Test func aFeatureNoMetricCanBeNamedIsNamed() {
        let warnings = TrainingDataCheck.warnings(
            for: dataset([("Volume Flow RateRMS", noisy(100, around: 32)), ("cpu_usage", noisy(100, around: 50))]))
        #expect(warnings.count == 1)
        #expect(warnings.first?.contains("feature 'Volume Flow RateRMS' may contain only letters, digits and - _ . : /") == true)
        #expect(warnings.first?.contains("rename the column") == true)
    }

    @Test func aScaleSetByAFewExtremeRowsIsNamed() {
        var cpu = noisy(1000, around: 50)
        cpu[500] = 1e9
        let warnings = TrainingDataCheck.warnings(for: dataset([("cpu", cpu), ("mem", noisy(1000, around: 60, seed: 2))]))
        #expect(warnings.count == 1)
        #expect(warnings.first?.hasPrefix("warning: feature 'cpu': its most extreme rows (up to 1e+09) set its scale") == true, "\(warnings)")
        // Spikes in one row of 25 are the metric's own shape; one event on a flat metric too.
        let spiky = (0..<1000).map { $0 % 25 == 0 ? Float(900) : Float($0 % 3) }
        let event = (0..<1000).map { $0 == 700 ? Float(1e6) : 0 }
        #expect(TrainingDataCheck.warnings(for: dataset([("io", spiky), ("errors", event)])).isEmpty)
        #expect(TrainingDataCheck.spreadRatio([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]).map { $0 < 2 } == true)
        // A ratio beyond any whole number is written as one, not a crash.
        var tiny = (0..<999).map { Float($0 % 2) * 1e-9 }
        tiny.append(1e12)
        let huge = TrainingDataCheck.warnings(for: dataset([("io", tiny)]))
        #expect(huge.first?.contains("e+") == true, "\(huge)")
    }
}

@Suite struct ValueLimitTests {
    @Test func theLimitsTextIsTheLimit() {
        #expect(Double(MetricEvent.valueLimitText) == MetricEvent.valueLimit)
    }
}

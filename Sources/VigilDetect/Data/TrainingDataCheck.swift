/// What in a training history would quietly make a poor model, found before training, so that
/// `vigil train` can say so: a column that looks like the answer (a label used as a feature),
/// and a feature whose scale a few extreme rows set (the model then sees nothing else in it).
public enum TrainingDataCheck {
    /// Words that label columns' names hold in public data sets (SKAB's `anomaly` and
    /// `changepoint`, `is_attack`, `lab_labels`); `target` only as the whole name.
    static let labelLikeWords = ["anomal", "label", "changepoint", "attack", "fault", "outlier"]

    static func isLabelLike(_ name: String) -> Bool {
        let name = name.lowercased()
        return name == "target" || labelLikeWords.contains { name.contains($0) }
    }

    /// How many times its standard deviation without them a feature's may reach before its
    /// scale is said to come from its most extreme rows (one in a thousand, at least one). Real
    /// server metrics with spikes reach about 25 (SMD machine-1-6); a value off by orders of
    /// magnitude, thousands and more.
    static let spreadRatioLimit = 100.0

    /// One warning per problem found, naming the feature.
    public static func warnings(for dataset: Dataset) -> [String] {
        var warnings: [String] = []
        for (column, name) in dataset.features.enumerated() {
            let values = (0..<dataset.rowCount).map { Double(dataset.values[$0, column]) }
            if isLabelLike(name), values.allSatisfy({ $0 == 0 || $0 == 1 }) {
                warnings.append(
                    "warning: feature '\(name)' holds only 0 and 1 and is named like a label: if it marks anomalies, the model learns from the answer; name the label column 'label', or choose the features with --features"
                )
            }
            if let problem = MetricEvent.nameProblem(name) {
                warnings.append(
                    "warning: feature '\(name)' \(problem), so the service cannot be sent it as a metric (/api/v1/ml/detect, Kafka), only in vectors (/predict); rename the column"
                )
            }
            if let ratio = spreadRatio(values), ratio > spreadRatioLimit {
                let largest = values.max { abs($0) < abs($1) } ?? 0
                warnings.append(
                    "warning: feature '\(name)': its most extreme rows (up to \(Float(largest))) set its scale (\(ratio < 1e9 ? "\(Int(ratio))" : "\(Float(ratio))") times the spread of the other rows), so the model will hardly see its usual changes; check those rows, or leave them out"
                )
            }
        }
        return warnings
    }

    /// The ratio of the standard deviation to the one without the rows farthest from the median
    /// (one in a thousand, at least one); `nil` when the rest do not vary (a feature at one value
    /// but for an event or two, as an error count is).
    static func spreadRatio(_ values: [Double]) -> Double? {
        guard values.count >= 2 else { return nil }
        let sorted = values.sorted()
        let median = sorted[sorted.count / 2]
        let extreme = max(1, values.count / 1000)
        let rest = values.sorted { abs($0 - median) < abs($1 - median) }.dropLast(extreme)
        let restDeviation = standardDeviation(rest)
        guard restDeviation > 0 else { return nil }
        return standardDeviation(values[...]) / restDeviation
    }

    private static func standardDeviation(_ values: ArraySlice<Double>) -> Double {
        let mean = values.reduce(0, +) / Double(values.count)
        return (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)).squareRoot()
    }
}

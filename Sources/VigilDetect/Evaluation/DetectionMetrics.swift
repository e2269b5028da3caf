public import VigilML

/// Counts of a binary detector's decisions against labels.
public struct ConfusionMatrix: Sendable, Equatable, Codable {
    public var truePositives = 0
    public var falsePositives = 0
    public var trueNegatives = 0
    public var falseNegatives = 0

    public init(truePositives: Int = 0, falsePositives: Int = 0, trueNegatives: Int = 0, falseNegatives: Int = 0) {
        self.truePositives = truePositives
        self.falsePositives = falsePositives
        self.trueNegatives = trueNegatives
        self.falseNegatives = falseNegatives
    }

    /// Counts `predictions` against `labels` (1 = anomalous).
    public init(predictions: [Bool], labels: [UInt8]) {
        precondition(predictions.count == labels.count, "predictions and labels differ in count")
        for (predicted, label) in zip(predictions, labels) {
            switch (predicted, label == 1) {
            case (true, true): truePositives += 1
            case (true, false): falsePositives += 1
            case (false, false): trueNegatives += 1
            case (false, true): falseNegatives += 1
            }
        }
    }

    public var precision: Double { ratio(truePositives, truePositives + falsePositives) }
    public var recall: Double { ratio(truePositives, truePositives + falseNegatives) }
    public var f1: Double { ratio(2 * truePositives, 2 * truePositives + falsePositives + falseNegatives) }
    /// SKAB's FAR: the share of normal points flagged.
    public var falseAlarmRate: Double { ratio(falsePositives, falsePositives + trueNegatives) }
    /// SKAB's MAR: the share of anomalous points missed.
    public var missedAlarmRate: Double { ratio(falseNegatives, falseNegatives + truePositives) }
    public var accuracy: Double { ratio(truePositives + trueNegatives, truePositives + trueNegatives + falsePositives + falseNegatives) }

    /// Counts summed over several files or machines: how benchmark sets are reported.
    public static func + (lhs: ConfusionMatrix, rhs: ConfusionMatrix) -> ConfusionMatrix {
        ConfusionMatrix(
            truePositives: lhs.truePositives + rhs.truePositives, falsePositives: lhs.falsePositives + rhs.falsePositives,
            trueNegatives: lhs.trueNegatives + rhs.trueNegatives, falseNegatives: lhs.falseNegatives + rhs.falseNegatives)
    }

    private func ratio(_ numerator: Int, _ denominator: Int) -> Double {
        denominator == 0 ? 0 : Double(numerator) / Double(denominator)
    }

    enum CodingKeys: String, CodingKey {
        case truePositives = "true_positives"
        case falsePositives = "false_positives"
        case trueNegatives = "true_negatives"
        case falseNegatives = "false_negatives"
    }
}

/// Threshold-free ranking metrics of anomaly scores against labels.
public enum RankingMetrics {
    /// The area under the ROC curve: the chance a random anomaly scores above a random normal
    /// row (ties count half). `nil` when one class is absent.
    public static func rocAUC(scores: [Double], labels: [UInt8]) -> Double? {
        precondition(scores.count == labels.count, "scores and labels differ in count")
        let positives = labels.reduce(0) { $0 + Int($1) }
        let negatives = labels.count - positives
        guard positives > 0, negatives > 0 else { return nil }
        var positiveRankSum = 0.0
        TiedRuns(scores, descending: false).forEach { run in
            // Tied scores share the average of their ranks (1-based).
            let averageRank = Double(run.startIndex + run.endIndex - 1) / 2 + 1
            for index in run where labels[index] == 1 { positiveRankSum += averageRank }
        }
        return (positiveRankSum - Double(positives) * Double(positives + 1) / 2) / (Double(positives) * Double(negatives))
    }

    /// The area under the precision–recall curve as average precision (scikit-learn's
    /// `average_precision_score`): `Σ (Rₙ − Rₙ₋₁) Pₙ` over distinct score thresholds. `nil` without anomalies.
    public static func averagePrecision(scores: [Double], labels: [UInt8]) -> Double? {
        precondition(scores.count == labels.count, "scores and labels differ in count")
        let positives = labels.reduce(0) { $0 + Int($1) }
        guard positives > 0 else { return nil }
        var truePositives = 0
        var previousRecall = 0.0
        var area = 0.0
        TiedRuns(scores, descending: true).forEach { run in
            truePositives += run.reduce(0) { $0 + Int(labels[$1]) }
            let recall = Double(truePositives) / Double(positives)
            let precision = Double(truePositives) / Double(run.endIndex)
            area += (recall - previousRecall) * precision
            previousRecall = recall
        }
        return area
    }
}

/// A detector's quality on labeled rows: what `vigil evaluate` prints.
public struct EvaluationReport: Sendable, Equatable {
    public var rows: Int
    public var anomalies: Int
    public var threshold: Double
    /// Point-wise counts: each row judged on its own.
    public var confusion: ConfusionMatrix
    /// Counts after ``PointAdjustment`` (each service's rows a series of their own): for
    /// comparison with published figures only, since it inflates them.
    public var pointAdjusted: ConfusionMatrix
    public var rocAUC: Double?
    public var prAUC: Double?

    /// Evaluates `errors` (higher = more anomalous) thresholded at `threshold` (anomaly when above);
    /// `services` name each row's series when a file holds several.
    public init(errors: [Double], labels: [UInt8], threshold: Double, services: [String]? = nil) {
        rows = labels.count
        anomalies = labels.reduce(0) { $0 + Int($1) }
        self.threshold = threshold
        let predictions = errors.map { !($0 <= threshold) }
        confusion = ConfusionMatrix(predictions: predictions, labels: labels)
        pointAdjusted = ConfusionMatrix(predictions: PointAdjustment.adjust(predictions, labels: labels, services: services), labels: labels)
        rocAUC = RankingMetrics.rocAUC(scores: errors, labels: labels)
        prAUC = RankingMetrics.averagePrecision(scores: errors, labels: labels)
    }
}

extension AnomalyDetector {
    /// How the detector does on a series (raw values, columns in ``features`` order, rows in time
    /// order) against `labels`, at its own threshold. Rows before `scoredFrom` are context only
    /// (the past a windowed model sees); `labels` cover the rest. `times` are the rows' times in
    /// seconds, when they have them.
    public func evaluate(series rows: Matrix, labels: [UInt8], scoredFrom: Int = 0, times: [Double]? = nil) -> EvaluationReport {
        let errors = reconstructionErrors(series: rows, times: times).dropFirst(scoredFrom)
        return EvaluationReport(errors: errors.map(Double.init), labels: labels, threshold: threshold)
    }
}

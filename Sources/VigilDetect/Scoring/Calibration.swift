/// Turns a reconstruction error into a calibrated score and a decision, from the errors the model
/// made on held-out rows at training time.
///
/// - `anomaly_score` is the error's percentile rank among the held-out errors: 0.99 means the
///   error is larger than 99 % of them. It is monotone in the error and lies in [0, 1].
/// - The decision is `error > threshold`. The threshold is the `1 − contamination` quantile of the
///   held-out errors, or, when the rows had labels, the F1-optimal threshold on them.
/// - `confidence` is how far the score lies from the decision boundary: 0.5 at the threshold,
///   1 at either end of the scale.
public struct Calibration: Sendable, Equatable, Codable {
    public enum Method: String, Sendable, Codable, CaseIterable {
        /// The `1 − contamination` quantile of the held-out errors.
        case contamination
        /// The F1-optimal threshold on labeled held-out rows.
        case labels
    }

    /// Precision, recall and F1 at the threshold, on the labeled held-out rows it was chosen on.
    public struct Figures: Sendable, Equatable, Codable {
        public var precision: Double
        public var recall: Double
        public var f1: Double
    }

    public var method: Method
    /// Reconstruction errors above this are anomalies.
    public var threshold: Double
    /// The anomalous share assumed by ``Method/contamination``; `nil` for ``Method/labels``.
    public var contamination: Double?
    /// Held-out errors at the quantile levels `0, 1/(n−1), …, 1`, ascending.
    public var errorQuantiles: [Double]
    /// How many held-out rows the calibration saw.
    public var samples: Int
    public var validation: Figures?

    public init(method: Method, threshold: Double, contamination: Double?, errorQuantiles: [Double], samples: Int, validation: Figures? = nil) {
        self.method = method
        self.threshold = threshold
        self.contamination = contamination
        self.errorQuantiles = errorQuantiles
        self.samples = samples
        self.validation = validation
    }

    enum CodingKeys: String, CodingKey {
        case method, threshold, contamination, samples, validation
        case errorQuantiles = "error_quantiles"
    }

    /// The most quantile levels kept in a bundle.
    public static let quantileLevels = 1001

    /// A calibration whose threshold flags the `contamination` share of `errors`, or `nil` when
    /// that threshold is not a finite number (the errors around it are infinite: values beyond
    /// what the model computes with). Errors that are not numbers (NaN) are left out, as they sort
    /// nowhere.
    public init?(errors: [Float], contamination: Double) {
        precondition(contamination > 0 && contamination < 1, "contamination must be in (0, 1)")
        let sorted = errors.filter { !$0.isNaN }.map(Double.init).sorted()
        guard !sorted.isEmpty, Self.quantile(sorted, 1 - contamination).isFinite else { return nil }
        self.init(
            method: .contamination, threshold: Self.quantile(sorted, 1 - contamination), contamination: contamination,
            errorQuantiles: Self.quantileTable(sorted), samples: sorted.count)
    }

    /// A calibration whose threshold maximises F1 on labeled `errors` (1 = anomalous).
    ///
    /// Returns `nil` when the labels hold no anomaly among the errors that are numbers (NaN:
    /// values beyond what the model computes with, left out), so no F1 can be computed, or when
    /// the best cut lies among infinite errors.
    public init?(errors: [Float], labels: [UInt8]) {
        precondition(errors.count == labels.count && !errors.isEmpty, "errors and labels must pair up")
        let numbers = errors.indices.filter { !errors[$0].isNaN }
        let (errors, labels) = (numbers.map { errors[$0] }, numbers.map { labels[$0] })
        let positives = labels.reduce(0) { $0 + Int($1) }
        guard positives > 0 else { return nil }
        let runs = TiedRuns(errors, descending: true)
        let order = runs.order
        var truePositives = 0
        var best = (f1: -1.0, cut: 0, truePositives: 0)
        runs.forEach { run in
            truePositives += run.reduce(0) { $0 + Int(labels[$1]) }
            let f1 = 2 * Double(truePositives) / Double(run.endIndex + positives)
            if f1 > best.f1 { best = (f1, run.endIndex, truePositives) }
        }
        let above = Double(errors[order[best.cut - 1]])
        let below = best.cut < order.count ? Double(errors[order[best.cut]]) : 0
        // Infinite errors (values beyond what the model computes with) set no threshold.
        guard (above + below).isFinite else { return nil }
        let sorted = errors.map(Double.init).sorted()
        let precision = Double(best.truePositives) / Double(best.cut)
        let recall = Double(best.truePositives) / Double(positives)
        self.init(
            method: .labels, threshold: (above + below) / 2, contamination: nil, errorQuantiles: Self.quantileTable(sorted),
            samples: errors.count, validation: Figures(precision: precision, recall: recall, f1: best.f1))
    }

    /// The linear-interpolation quantile (numpy's default) of ascending `sorted` at `level`.
    static func quantile(_ sorted: [Double], _ level: Double) -> Double {
        let position = level * Double(sorted.count - 1)
        let lower = Int(position.rounded(.down))
        let upper = min(lower + 1, sorted.count - 1)
        // Not interpolated at a whole position or between equal neighbours: with infinities
        // there, `inf − inf` would make it NaN.
        guard position != Double(lower), sorted[upper] != sorted[lower] else { return sorted[lower] }
        return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - Double(lower))
    }

    /// The quantile table of ascending `sorted`, infinite errors (values too large for the
    /// model's arithmetic) counted as the largest finite one, so that the table stays numbers.
    static func quantileTable(_ sorted: [Double]) -> [Double] {
        let largest = Double(Float.greatestFiniteMagnitude)
        let finite = sorted.map { min(max($0, -largest), largest) }
        let levels = min(quantileLevels, max(finite.count, 2))
        return (0..<levels).map { quantile(finite, Double($0) / Double(levels - 1)) }
    }

    /// The percentile rank of `error` among the held-out errors, in [0, 1].
    public func percentileRank(_ error: Double) -> Double {
        let table = errorQuantiles
        guard let first = table.first, let last = table.last else { return 0 }
        if error.isNaN { return 1 }
        if error <= first { return 0 }
        if error >= last { return 1 }
        // The last level whose error is ≤ `error`.
        var low = 0
        var high = table.count - 1
        while high - low > 1 {
            let middle = (low + high) / 2
            if table[middle] <= error { low = middle } else { high = middle }
        }
        let span = table[high] - table[low]
        let fraction = span > 0 ? (error - table[low]) / span : 0
        return (Double(low) + fraction) / Double(table.count - 1)
    }

    /// The score at the threshold: scores above it are anomalies.
    public var scoreThreshold: Double { percentileRank(threshold) }

    /// The score, decision and confidence for one reconstruction error.
    public func judge(_ error: Double) -> (score: Double, isAnomaly: Bool, confidence: Double) {
        let score = percentileRank(error)
        let isAnomaly = !(error <= threshold)
        let boundary = scoreThreshold
        let confidence: Double
        if isAnomaly {
            confidence = boundary < 1 ? 0.5 + 0.5 * (score - boundary) / (1 - boundary) : 1
        } else {
            confidence = boundary > 0 ? 0.5 + 0.5 * (boundary - score) / boundary : 1
        }
        return (score, isAnomaly, min(max(confidence, 0.5), 1))
    }

    /// A reason the calibration cannot be used, or `nil`.
    var problem: String? {
        if errorQuantiles.count < 2 { return "error_quantiles needs at least 2 values, has \(errorQuantiles.count)" }
        if !errorQuantiles.allSatisfy({ $0.isFinite && $0 >= 0 }) { return "error_quantiles must be finite and non-negative" }
        if zip(errorQuantiles, errorQuantiles.dropFirst()).contains(where: { $0 > $1 }) { return "error_quantiles must be ascending" }
        if !(threshold.isFinite && threshold >= 0) { return "threshold must be a finite, non-negative error, got \(threshold)" }
        if let contamination, !(contamination > 0 && contamination < 1) { return "contamination must be in (0, 1), got \(contamination)" }
        return nil
    }
}

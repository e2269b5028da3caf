/// The verdict on one feature vector: the seed's response fields plus which features drove it.
public struct Score: Sendable, Equatable {
    /// The calibrated score in [0, 1]: the reconstruction error's percentile rank among held-out errors.
    public var anomalyScore: Double
    public var isAnomaly: Bool
    /// In [0.5, 1]: 0.5 at the threshold, 1 far from it on either side.
    public var confidence: Double
    /// The mean squared error between the scaled input and its reconstruction (the seed's definition).
    public var reconstructionError: Double
    /// The reconstruction error above which a vector is an anomaly.
    public var threshold: Double
    /// Each feature's share of the squared error, in the model's feature order; they sum to 1.
    public var featureScores: [Double]

    public init(anomalyScore: Double, isAnomaly: Bool, confidence: Double, reconstructionError: Double, threshold: Double, featureScores: [Double]) {
        self.anomalyScore = anomalyScore
        self.isAnomaly = isAnomaly
        self.confidence = confidence
        self.reconstructionError = reconstructionError
        self.threshold = threshold
        self.featureScores = featureScores
    }

    /// One JSON object with the seed's snake_case names; `feature_scores` maps feature names to shares
    /// in the model's order. Non-finite numbers (which calibrated scoring never produces) become `null`.
    public func json(features: [String], extra: [(key: String, value: String)] = []) -> String {
        var text = ""
        ScoreWriter(features: features).write(self, extra: extra, to: &text)
        return text
    }
}

/// Writes scores as JSON objects, with the feature keys escaped once for many scores: the
/// batch endpoints write thousands per response.
public struct ScoreWriter: Sendable {
    private let featureKeys: [String]

    public init(features: [String]) {
        featureKeys = features.enumerated().map { ($0.offset == 0 ? "" : ",") + JSONText.string($0.element) + ":" }
    }

    /// Appends `score` (and the already-serialised `extra` members) to `text`.
    public func write(_ score: Score, extra: [(key: String, value: String)] = [], to text: inout String) {
        text += "{\"anomaly_score\":"
        text += JSONText.number(score.anomalyScore)
        text += score.isAnomaly ? ",\"is_anomaly\":true,\"confidence\":" : ",\"is_anomaly\":false,\"confidence\":"
        text += JSONText.number(score.confidence)
        text += ",\"reconstruction_error\":"
        text += JSONText.number(score.reconstructionError)
        text += ",\"threshold\":"
        text += JSONText.number(score.threshold)
        text += ",\"feature_scores\":{"
        for (key, share) in zip(featureKeys, score.featureScores) {
            text += key
            text += JSONText.number(share)
        }
        text += "}"
        for (key, value) in extra {
            text += ",\""
            text += key
            text += "\":"
            text += value
        }
        text += "}"
    }
}

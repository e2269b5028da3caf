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
        var text = "{\"anomaly_score\":\(JSONText.number(anomalyScore)),\"is_anomaly\":\(isAnomaly),\"confidence\":\(JSONText.number(confidence))"
        text += ",\"reconstruction_error\":\(JSONText.number(reconstructionError)),\"threshold\":\(JSONText.number(threshold)),\"feature_scores\":{"
        for (index, name) in features.enumerated() {
            if index > 0 { text += "," }
            text += JSONText.string(name) + ":" + JSONText.number(featureScores[index])
        }
        text += "}"
        for (key, value) in extra { text += "," + JSONText.string(key) + ":" + value }
        return text + "}"
    }
}

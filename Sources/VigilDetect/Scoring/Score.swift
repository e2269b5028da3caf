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
        var text = "{\"anomaly_score\":\(jsonNumber(anomalyScore)),\"is_anomaly\":\(isAnomaly),\"confidence\":\(jsonNumber(confidence))"
        text += ",\"reconstruction_error\":\(jsonNumber(reconstructionError)),\"threshold\":\(jsonNumber(threshold)),\"feature_scores\":{"
        for (index, name) in features.enumerated() {
            if index > 0 { text += "," }
            text += jsonString(name) + ":" + jsonNumber(featureScores[index])
        }
        text += "}"
        for (key, value) in extra { text += "," + jsonString(key) + ":" + value }
        return text + "}"
    }
}

/// A JSON number literal, or `null` for NaN and infinities.
func jsonNumber(_ value: Double) -> String {
    value.isFinite ? "\(value)" : "null"
}

/// A JSON string literal.
func jsonString(_ value: String) -> String {
    var text = "\""
    for scalar in value.unicodeScalars {
        switch scalar {
        case "\"": text += "\\\""
        case "\\": text += "\\\\"
        case "\n": text += "\\n"
        case "\r": text += "\\r"
        case "\t": text += "\\t"
        case _ where scalar.value < 0x20:
            text += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count) + String(scalar.value, radix: 16)
        default: text.unicodeScalars.append(scalar)
        }
    }
    return text + "\""
}

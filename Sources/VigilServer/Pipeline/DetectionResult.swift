public import VigilDetect

/// One scored vector and what it led to: the `result` of the seed's responses plus Vigil's fields.
public struct DetectionResult: Sendable {
    public var score: Score
    public var features: [String]
    /// `autoencoder` or `fallback`.
    public var modelType: String
    /// Features imputed with the training mean because the service has not sent them recently.
    public var missingFeatures: [String]?
    /// The service is too new for the model's window (see ``FeatureAssembler/Assembled/warmingUp``).
    public var warmingUp = false
    /// The alert this prediction opened or was counted on.
    public var alertID: String?
    public var predictionTime: Double = 0

    /// The result object, seed fields first.
    func json() -> String {
        var text = ""
        write(with: ScoreWriter(features: features), to: &text)
        return text
    }

    /// Appends the result object to `text`, with a writer made for ``features``.
    func write(with writer: ScoreWriter, to text: inout String) {
        var extra: [(key: String, value: String)] = [
            ("prediction_time_ms", JSONText.number(predictionTime)), ("model_type", "\"\(modelType)\""),
        ]
        if let missingFeatures { extra.append(("missing_features", JSONText.strings(missingFeatures))) }
        if warmingUp { extra.append(("warming_up", "true")) }
        if let alertID { extra.append(("alert_id", JSONText.string(alertID))) }
        writer.write(score, extra: extra, to: &text)
    }
}

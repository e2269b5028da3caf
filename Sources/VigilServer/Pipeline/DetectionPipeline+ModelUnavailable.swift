import VigilDetect

extension DetectionPipeline {
    /// `error`, a body's problem, as a 503 when it may only be that no model is loaded: a feature
    /// the range-excess fallback reads is missing from a body that names other features, or the
    /// metric is none of them. The body may well be right for the model that is loading or failed
    /// to load, so the answer says to send it again later, not to fix it (and the Kafka consumer
    /// waits instead of dead-lettering). `item` is the object the error is about, when known.
    func withoutModel(_ error: APIError, in item: JSONValue? = nil) -> APIError {
        guard models.current == nil, isFeatureProblem(error, in: item) else { return error }
        let why = models.snapshot.status == .loading ? "the model is still loading" : "no model is loaded"
        return APIError(
            .serviceUnavailable, code: "model_unavailable",
            message: "\(why), and the fallback reads only \(Self.fallbackFeatures.joined(separator: ", ")): \(error.message)",
            field: error.field)
    }

    /// Whether `error` is about the features: one of the fallback's missing from an `item` that
    /// names features the fallback does not read (or from an item not known), or a metric that is
    /// none of them. A vector of the fallback's own features with one missing is wrong whatever
    /// the model, as a malformed field is.
    func isFeatureProblem(_ error: APIError, in item: JSONValue? = nil) -> Bool {
        guard let field = error.field else { return false }
        let name = field.split(separator: ".").last.map(String.init) ?? field
        if error.code == "missing_field" && Self.fallbackFeatures.contains(name) {
            guard case .object(let fields)? = item else { return true }
            return fields.keys.contains { !Self.fallbackFeatures.contains($0) && !Self.eventFields.contains($0) }
        }
        return error.code == "unknown_metric"
    }

    /// The fields of a metric message or body that are not features.
    private static let eventFields: Set<String> = ["service", "timestamp", "metric", "value", "tags"]
}

import VigilDetect

extension DetectionPipeline {
    /// `error`, a body's problem, as a 503 when it may only be that no model is loaded: a feature
    /// the range-excess fallback reads is missing, or the metric is none of them. The body may
    /// well be right for the model that is loading or failed to load, so the answer says to send
    /// it again later, not to fix it (and the Kafka consumer waits instead of dead-lettering).
    func withoutModel(_ error: APIError) -> APIError {
        guard models.current == nil, isFeatureProblem(error) else { return error }
        let why = models.snapshot.status == .loading ? "the model is still loading" : "no model is loaded"
        return APIError(
            .serviceUnavailable, code: "model_unavailable",
            message: "\(why), and the fallback reads only \(Self.fallbackFeatures.joined(separator: ", ")): \(error.message)",
            field: error.field)
    }

    /// Whether `error` is about the features: one of the fallback's missing, or a metric that is
    /// none of them (a malformed field is wrong whatever the model).
    func isFeatureProblem(_ error: APIError) -> Bool {
        guard let field = error.field else { return false }
        let name = field.split(separator: ".").last.map(String.init) ?? field
        return (error.code == "missing_field" && Self.fallbackFeatures.contains(name)) || error.code == "unknown_metric"
    }
}

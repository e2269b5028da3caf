import Foundation
import Hummingbird
import Logging
import VigilDetect

/// `GET /api/v1/ml/model-info` and `POST /api/v1/ml/model/reload`.
struct ModelRoutes: Sendable {
    let pipeline: DetectionPipeline
    let loader: ModelLoader
    let logger: Logger

    func register(on router: Router<BasicRequestContext>) {
        router.get("/api/v1/ml/model-info") { _, _ in Response.json("{\"success\":true,\"model\":\(modelInfo())}") }
        router.post("/api/v1/ml/model/reload") { _, _ in try reload() }
    }

    /// The seed's model-info fields from the real bundle, plus what it measured on held-out data.
    func modelInfo() -> String {
        let state = pipeline.models.snapshot
        guard let model = state.model else {
            var text = "{\"model_type\":\"fallback\",\"status\":\(JSONText.string(state.status.rawValue))"
            text +=
                ",\"input_features\":\(DetectionPipeline.fallbackFeatures.count),\"features\":\(JSONText.strings(DetectionPipeline.fallbackFeatures))"
            text += ",\"threshold\":\(JSONText.number(pipeline.fallback.threshold)),\"threshold_unit\":\"range_excess\""
            if let error = state.lastError { text += ",\"error\":\(JSONText.string(loader.redact(error)))" }
            return text + "}"
        }
        let bundle = model.bundle
        let calibration = bundle.calibration!
        let training = bundle.training
        var text = "{\"model_type\":\"autoencoder\",\"status\":\"operational\",\"model_source\":\(JSONText.string(model.source.rawValue))"
        text += ",\"version\":\(JSONText.string(model.version)),\"generation\":\(model.generation)"
        text += ",\"threshold\":\(JSONText.number(calibration.threshold)),\"threshold_unit\":\"reconstruction_error\""
        text += ",\"input_features\":\(model.features.count),\"features\":\(JSONText.strings(model.features))"
        text += ",\"window\":{\"length\":\(bundle.window.length),\"differences\":\(bundle.window.differences)"
        text += ",\"baseline_half_life\":\(bundle.window.baselineHalfLife.map { JSONText.number($0) } ?? "null")"
        text += ",\"season_length\":\(bundle.window.seasonLength.map(String.init) ?? "null")"
        text += ",\"step_seconds\":\(bundle.window.stepSeconds.map { JSONText.number($0) } ?? "null")}"
        var evidence: [String] = bundle.reconstructionWeight > 0 ? ["reconstruction"] : []
        if bundle.robust != nil { evidence.append("robust_z") }
        if bundle.seasonal != nil { evidence.append("seasonal") }
        if bundle.neighbors != nil { evidence.append("nearest_neighbors") }
        text += ",\"evidence\":\(JSONText.strings(evidence))"
        if let neighbors = bundle.neighbors {
            text += ",\"neighbors\":{\"steps\":\(neighbors.steps),\"mean_length\":\(neighbors.meanLength),\"count\":\(neighbors.neighbors)"
            text += ",\"references\":\(neighbors.references.rows)}"
        }
        text +=
            ",\"training_samples\":\(training.samples.map(String.init) ?? "null"),\"trained_from\":\(JSONText.string(Self.redactSource(training.source)))"
        text += ",\"created_at\":\(JSONText.string(training.createdAt))"
        text += ",\"calibration\":{\"method\":\(JSONText.string(calibration.method.rawValue)),\"held_out_rows\":\(calibration.samples)"
        if let contamination = calibration.contamination { text += ",\"contamination\":\(JSONText.number(contamination))" }
        text += "},\"validation\":{"
        var figures: [String] = []
        if let loss = training.bestValidationLoss { figures.append("\"best_val_loss\":\(JSONText.number(loss))") }
        if let epoch = training.bestEpoch { figures.append("\"best_epoch\":\(epoch)") }
        if let measured = calibration.validation {
            figures.append("\"precision\":\(JSONText.number(measured.precision))")
            figures.append("\"recall\":\(JSONText.number(measured.recall))")
            figures.append("\"f1\":\(JSONText.number(measured.f1))")
        }
        text += figures.joined(separator: ",") + "}"
        if let error = state.lastError { text += ",\"last_reload_error\":\(JSONText.string(loader.redact(error)))" }
        return text + "}"
    }

    /// `csv:/home/me/data.csv` → `csv:data.csv`, and a bare path (bundles trained before the
    /// `csv:` prefix) → its file name: no internal paths in responses.
    static func redactSource(_ source: String) -> String {
        guard let colon = source.firstIndex(of: ":") else { return URL(fileURLWithPath: source).lastPathComponent }
        let prefix = source[...colon]
        return prefix + URL(fileURLWithPath: String(source[source.index(after: colon)...])).lastPathComponent
    }

    func reload() throws -> Response {
        switch loader.load(into: pipeline.models, logger: logger) {
        case .success:
            return .json("{\"success\":true,\"model\":\(modelInfo())}")
        case .failure(let error):
            throw APIError(
                .unprocessableContent, code: "model_rejected",
                message: "the bundle was refused and the previous model keeps serving: \(loader.redact(error.description))")
        }
    }
}

extension ModelLoader {
    /// `message` with the bundle's directory replaced by `<model>`.
    func redact(_ message: String) -> String {
        message.replacingOccurrences(of: path, with: "<model>")
    }
}

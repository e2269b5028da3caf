import Foundation
import Hummingbird
import VigilDetect

/// `GET /health` (liveness with the real state of the model and sinks), `GET /ready`, `GET /metrics`.
struct OperationsRoutes: Sendable {
    let pipeline: DetectionPipeline
    let loader: ModelLoader
    let kafka: KafkaLink?

    func register(on router: Router<BasicRequestContext>) {
        router.get("/health") { _, _ in await health() }
        router.get("/ready") { _, _ in await ready() }
        router.get("/metrics") { _, _ in
            if let kafka {
                let outbox = (try? await pipeline.store.outboxCount()) ?? 0
                let lag = await kafka.consumer?.lag() ?? [:]
                pipeline.metrics.recordKafka(
                    queueDepth: kafka.producer.queueDepth, outbox: outbox, lag: lag, assigned: kafka.consumer?.assignment ?? [])
                pipeline.metrics.recordKafkaState(
                    producerConnected: kafka.producer.brokerState == .connected,
                    consumerConnected: kafka.consumer.map { $0.brokerState == .connected },
                    consumerStalled: kafka.consumerStall.problem != nil)
            }
            await pipeline.store.probeWrite()
            pipeline.metrics.recordState(
                modelLoadFailed: pipeline.models.snapshot.lastError != nil, storeWritable: pipeline.store.writeProblem == nil)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: pipeline.metrics.exposition(model: pipeline.models.current))))
        }
    }

    /// Whether the store answers (`answers`: `/ready` needs it), and whether it can also write:
    /// a failed write (a full disk) is reported until one succeeds, in `/health` only, since a
    /// replica out of rotation would get no write to find out it has recovered.
    private func storeState() async -> (answers: Bool, ok: Bool, json: String) {
        switch await pipeline.store.check() {
        case .failure(let error):
            return (false, false, "{\"status\":\"error\",\"error\":\(JSONText.string("\(error)"))}")
        case .success:
            await pipeline.store.probeWrite()
            guard let problem = pipeline.store.writeProblem else { return (true, true, "{\"status\":\"ok\"}") }
            return (true, false, "{\"status\":\"error\",\"error\":\(JSONText.string("the latest write failed: \(problem)"))}")
        }
    }

    /// Kafka's state, or `"not configured"` (see ``KafkaLink/status(outbox:)``).
    private func kafkaState() async -> (unreachable: Bool, stalled: String?, json: String) {
        guard let kafka else { return (false, nil, "\"not configured\"") }
        return kafka.status(outbox: (try? await pipeline.store.outboxCount()) ?? -1)
    }

    func health() async -> Response {
        .json(await healthReport())
    }

    /// `/health`'s JSON: healthy only when the wanted model serves and every sink works.
    func healthReport() async -> String {
        let state = pipeline.models.snapshot
        let store = await storeState()
        let kafka = await kafkaState()
        // A failed reload leaves the previous model serving, but not the one wanted: degraded.
        let healthy = state.status == .ready && state.lastError == nil && store.ok && !kafka.unreachable && kafka.stalled == nil
        var model = "{\"status\":\(JSONText.string(state.status.rawValue))"
        model += ",\"model_type\":\(JSONText.string(state.model == nil ? "fallback" : "autoencoder"))"
        if let serving = state.model {
            model += ",\"model_source\":\(JSONText.string(serving.source.rawValue)),\"version\":\(JSONText.string(serving.version))"
            model += ",\"generation\":\(serving.generation)"
        }
        if let error = state.lastError { model += ",\"last_error\":\(JSONText.string(loader.redact(error)))" }
        model += "}"
        var text =
            "{\"status\":\(healthy ? "\"healthy\"" : "\"degraded\""),\"timestamp\":\(JSONText.string(ISO8601DateFormatter().string(from: Date())))"
        text += ",\"service\":\"vigil\",\"version\":\(JSONText.string(Vigil.version)),\"model\":\(model)"
        // The seed's model server's fields, for checks written against it.
        let threshold = state.model?.bundle.calibration.map { JSONText.number($0.threshold) } ?? "null"
        text += ",\"model_loaded\":\(state.model != nil),\"threshold\":\(threshold)"
        text += ",\"sinks\":{\"alert_store\":\(store.json)},\"kafka\":\(kafka.json)}"
        return text
    }

    func ready() async -> Response {
        let state = pipeline.models.snapshot
        let store = await storeState()
        var reasons: [String] = []
        if state.status != .ready { reasons.append(state.status == .loading ? "the model is still loading" : "no model could be loaded") }
        if !store.answers { reasons.append("the alert store does not answer") }
        if reasons.isEmpty { return .json("{\"ready\":true}") }
        return .json("{\"ready\":false,\"reasons\":\(JSONText.strings(reasons))}", status: .serviceUnavailable)
    }
}

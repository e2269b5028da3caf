import Foundation
public import Logging
import Synchronization
public import VigilDetect
import VigilML

/// Metrics in, scores and alerts out: the one path behind `/predict`, `/api/v1/ml/detect` and,
/// later, the Kafka consumer.
///
/// `MetricEvent → FeatureAssembler → model (or fallback) → Score → AlertPolicy → AlertStore`.
public final class DetectionPipeline: Sendable {
    public let models: ModelHolder
    public let store: AlertStore
    public let metrics: ServiceMetrics
    private let fallback: RobustZScoreDetector
    private let fallbackAssembler: FeatureAssembler
    private let policy: Mutex<AlertPolicy>
    private let logger: Logger
    /// Whether new alerts wait in the Kafka outbox.
    let outboxEnabled: Bool
    /// Wakes the Kafka publisher when an alert enters the outbox.
    let outboxSignal = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))

    /// The features the fallback judges when no model says otherwise: the seed's five.
    public static let fallbackFeatures = SeedProfile.features

    public init(models: ModelHolder, store: AlertStore, metrics: ServiceMetrics, policy: AlertPolicy, logger: Logger, outboxEnabled: Bool = false) {
        self.outboxEnabled = outboxEnabled
        self.models = models
        self.store = store
        self.metrics = metrics
        self.policy = Mutex(policy)
        self.logger = logger
        self.fallback = RobustZScoreDetector(features: Self.fallbackFeatures)
        self.fallbackAssembler = FeatureAssembler(
            features: Self.fallbackFeatures, defaults: [Double](repeating: 0, count: Self.fallbackFeatures.count), staleness: models.staleness)
    }

    /// The features a full vector must carry: the model's, or the fallback's without one.
    public var features: [String] { models.current?.features ?? Self.fallbackFeatures }

    /// Scores one complete vector (in ``features`` order) without alerting: `/predict`.
    public func predict(_ values: [Double]) -> DetectionResult {
        let started = ContinuousClock.now
        var result: DetectionResult
        if let model = models.current {
            result = DetectionResult(score: model.detector.score(values), features: model.features, modelType: "autoencoder")
        } else {
            result = DetectionResult(score: fallback.score(service: "/predict", values: values), features: fallback.features, modelType: "fallback")
        }
        result.predictionTime = milliseconds(since: started)
        metrics.recordPredictions(1, modelType: result.modelType)
        return result
    }

    /// Scores many complete vectors at once (rows in ``features`` order), without alerting: the
    /// batch endpoint's vectors, through the model's batched matrix products.
    public func predict(batch rows: [[Double]]) -> [DetectionResult] {
        guard !rows.isEmpty else { return [] }
        let started = ContinuousClock.now
        var results: [DetectionResult]
        if let model = models.current {
            let matrix = Matrix(rows: rows.count, columns: model.features.count, values: rows.flatMap { $0.map(Float.init) })
            results = model.detector.score(matrix).map { DetectionResult(score: $0, features: model.features, modelType: "autoencoder") }
        } else {
            results = rows.map {
                DetectionResult(score: fallback.score(service: "/predict", values: $0), features: fallback.features, modelType: "fallback")
            }
        }
        let each = milliseconds(since: started) / Double(rows.count)
        for index in results.indices { results[index].predictionTime = each }
        metrics.recordPredictions(rows.count, modelType: results[0].modelType)
        return results
    }

    /// Folds `event` into its service's vector, scores it and alerts when the policy says so.
    public func detect(_ event: MetricEvent) async throws -> DetectionResult {
        let started = ContinuousClock.now
        var result: DetectionResult
        if let model = models.current {
            let assembled = model.assembler.update(with: event)
            result = DetectionResult(
                score: model.detector.score(assembled.values), features: model.features, modelType: "autoencoder",
                missingFeatures: assembled.missing)
        } else {
            let assembled = fallbackAssembler.update(with: event)
            let values = zip(fallback.features, assembled.values).map { name, value in assembled.missing.contains(name) ? nil : value }
            result = DetectionResult(
                score: fallback.score(service: event.service, values: values), features: fallback.features, modelType: "fallback",
                missingFeatures: assembled.missing)
        }
        metrics.recordPredictions(1, modelType: result.modelType)
        if result.score.isAnomaly {
            metrics.recordAnomaly(service: event.service, severity: Severity(confidence: result.score.confidence))
        }
        result.alertID = try await alert(event, result)
        result.predictionTime = milliseconds(since: started)
        return result
    }

    /// Applies the alert policy; returns the id of the alert opened or counted on.
    private func alert(_ event: MetricEvent, _ result: DetectionResult) async throws -> String? {
        guard result.score.isAnomaly || policy.withLock({ $0.persistence != nil }) else { return nil }
        var id = ""
        let action = policy.withLock { policy in
            let action = policy.observe(service: event.service, isAnomaly: result.score.isAnomaly, timestamp: event.timestamp)
            if action == .open {
                // Reserved under the lock, so two anomalies at once cannot both open an alert.
                id = Self.newAlertID(at: event.timestamp)
                policy.opened(id, service: event.service, at: event.timestamp)
            }
            return action
        }
        switch action {
        case .none:
            return nil
        case .repeat(let id):
            try await store.recordRepeat(of: id, at: event.timestamp)
            return id
        case .open:
            let alert = Alert(
                id: id, event: event, score: result.score, features: result.features,
                modelType: result.modelType)
            try await store.insert(alert, outbox: outboxEnabled)
            if outboxEnabled { outboxSignal.continuation.yield() }
            metrics.recordAlertOpened(severity: alert.severity)
            logger.notice(
                "\(alert.title)",
                metadata: [
                    "alert_id": "\(alert.id)", "severity": "\(alert.severity.rawValue)", "metric": "\(event.metric)",
                    "score": "\(result.score.anomalyScore)",
                ])
            return alert.id
        }
    }

    /// Forgets the per-service state of `services`: another instance now owns their partitions.
    public func forget(services: Set<String>) {
        models.current?.assembler.forget(services)
        fallbackAssembler.forget(services)
        fallback.forget(services)
    }

    /// `anomaly_<milliseconds>_<9 random base-36 characters>`, the seed's id format.
    static func newAlertID(at timestamp: Double) -> String {
        let alphabet = Array("0123456789abcdefghijklmnopqrstuvwxyz")
        let suffix = String((0..<9).map { _ in alphabet[Int.random(in: 0..<36)] })
        return "anomaly_\(Int64(timestamp))_\(suffix)"
    }

    private func milliseconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
    }
}

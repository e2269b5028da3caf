import Foundation
public import Logging
import Synchronization
public import VigilDetect

/// Metrics in, scores and alerts out: the one path behind `/predict`, `/api/v1/ml/detect` and
/// the Kafka consumer.
///
/// `MetricEvent → FeatureAssembler → model (or fallback) → Score → AlertPolicy → AlertStore`.
public final class DetectionPipeline: Sendable {
    public let models: ModelHolder
    public let store: AlertStore
    public let metrics: ServiceMetrics
    /// Judges while no model is loaded: each feature against its service's recent range.
    let fallback: RangeExcessDetector
    /// The same for `/predict`'s lone vectors, judged against the recent `/predict` vectors, with
    /// no hold: one client's outlier must not flag the next calls.
    private let predictFallback: RangeExcessDetector
    private let fallbackAssembler: FeatureAssembler
    private let policy: Mutex<AlertPolicy>
    /// The scores of events whose alerts the store refused, for their resend.
    private let refusedScores = RefusedScores()
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
        self.fallback = RangeExcessDetector(features: Self.fallbackFeatures)
        var unheld = RangeExcessDetector.Configuration()
        unheld.hold = 0
        self.predictFallback = RangeExcessDetector(features: Self.fallbackFeatures, configuration: unheld, capacity: 1)
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
            result = DetectionResult(score: predictFallback(values), features: fallback.features, modelType: "fallback")
        }
        result.predictionTime = milliseconds(since: started)
        metrics.recordPredictions(1, modelType: result.modelType)
        recordVectorAnomalies([result])
        return result
    }

    /// Scores many complete vectors at once (rows in ``features`` order), without alerting: the
    /// batch endpoint's vectors, through the model's batched matrix products.
    public func predict(batch rows: [[Double]]) -> [DetectionResult] {
        guard !rows.isEmpty else { return [] }
        let started = ContinuousClock.now
        var results: [DetectionResult]
        if let model = models.current {
            results = model.detector.score(rows).map { DetectionResult(score: $0, features: model.features, modelType: "autoencoder") }
        } else {
            results = rows.map { DetectionResult(score: predictFallback($0), features: fallback.features, modelType: "fallback") }
        }
        let each = milliseconds(since: started) / Double(rows.count)
        for index in results.indices { results[index].predictionTime = each }
        metrics.recordPredictions(rows.count, modelType: results[0].modelType)
        recordVectorAnomalies(results)
        return results
    }

    /// Counts the anomalies among scored vectors, which have no service, under the service
    /// label `(vector)` (no service name has parentheses).
    private func recordVectorAnomalies(_ results: [DetectionResult]) {
        for result in results where result.score.isAnomaly {
            metrics.recordAnomaly(service: ServiceMetrics.vectorService, severity: Severity(confidence: result.score.confidence))
        }
    }

    /// Folds `event` into its service's vector, scores it and alerts when the policy says so.
    public func detect(_ event: MetricEvent) async throws -> DetectionResult {
        try await detect(batch: [event])[0]
    }

    /// Folds `events`, in order, into their services' vectors, scores them together and applies
    /// the alert policy: the same results as one ``detect(_:)`` per event, with one model pass
    /// and one store transaction for the lot.
    /// When the store refuses the alerts, the scores are kept for a resend of the same events
    /// (see ``RefusedScores``).
    public func detect(batch events: [MetricEvent]) async throws -> [DetectionResult] {
        let generation = models.current?.generation ?? 0
        var results: [DetectionResult]
        if let kept = refusedScores.take(events, generation: generation) {
            var fresh = score(batch: events.indices.filter { kept[$0] == nil }.map { events[$0] }).makeIterator()
            results = kept.map { $0 ?? fresh.next()! }
        } else {
            results = score(batch: events)
        }
        do {
            return try await raiseAlerts(for: events, scored: results)
        } catch {
            refusedScores.keep(events, results, generation: generation)
            throw error
        }
    }

    /// The first half of ``detect(batch:)``: folds `events` into their services' vectors and
    /// scores them, without alerting. Not to be repeated for the same events (they would be
    /// folded in twice): a caller that retries a failed store retries ``raiseAlerts(for:scored:)``.
    public func score(batch events: [MetricEvent]) -> [DetectionResult] {
        guard !events.isEmpty else { return [] }
        let started = ContinuousClock.now
        var results = score(events)
        metrics.recordPredictions(results.count, modelType: results[0].modelType)
        for (event, result) in zip(events, results) where result.score.isAnomaly {
            metrics.recordAnomaly(service: event.service, severity: Severity(confidence: result.score.confidence))
        }
        let each = milliseconds(since: started) / Double(events.count)
        for index in results.indices { results[index].predictionTime = each }
        return results
    }

    /// Each event's service vector, scored by the model (or the fallback without one).
    private func score(_ events: [MetricEvent]) -> [DetectionResult] {
        if let model = models.current {
            let assembled = model.assembler.update(with: events)
            let scores = model.detector.score(windows: assembled.map(\.window))
            return zip(scores, assembled).map { score, vector in
                DetectionResult(
                    score: score, features: model.features, modelType: "autoencoder", missingFeatures: vector.missing, warmingUp: vector.warmingUp)
            }
        }
        return zip(events, fallbackAssembler.update(with: events)).map { event, assembled in
            // Only what the event carries: re-feeding held values would fill the histories with copies.
            let values = fallback.features.map { name in name == event.metric ? event.value : event.tags[name] }
            return DetectionResult(
                score: fallback.score(service: event.service, values: values, timestamp: event.timestamp), features: fallback.features,
                modelType: "fallback", missingFeatures: assembled.missing)
        }
    }

    /// The second half of ``detect(batch:)``: applies the alert policy to each of `events` in
    /// order, with its result from ``score(batch:)``, stores what it opened, counted or escalated
    /// in one transaction, and returns the results with their alert ids. When the store fails,
    /// the policy is as before the call, so it can be retried.
    ///
    /// The policy decides inside the store's write when the batch has an anomaly, so that two
    /// batches of one service are stored in the order the policy saw them (an alert opened by
    /// one and escalated by the other at the same moment is stored opened, then escalated).
    public func raiseAlerts(for events: [MetricEvent], scored: [DetectionResult]) async throws -> [DetectionResult] {
        guard scored.contains(where: \.score.isAnomaly) else {
            // Only the persistence windows move.
            policy.withLock { policy in if policy.persistence != nil { _ = Self.decide(events, scored, &policy) } }
            return scored
        }
        let changes: AlertChanges
        do {
            changes = try await store.record(
                outbox: outboxEnabled,
                deciding: { self.policy.withLock { Self.decide(events, scored, &$0) } },
                undo: { changes in
                    // Nothing was stored: the alerts opened do not exist, so they must not count the
                    // service's next anomalies as their repeats; the escalations did not happen, and
                    // the repeats' cooldown runs from the sightings the store holds.
                    self.policy.withLock { policy in
                        policy.withdrawPoints(events.map { ($0.service, $0.timestamp) })
                        for alert in changes.opened { policy.withdraw(alert.id, service: alert.service) }
                        for (id, before) in changes.sightingsBefore { policy.withdrawSightings(of: id, service: before.service, to: before.lastSeen) }
                        for escalation in changes.escalations.reversed() {
                            let alert = escalation.alert
                            policy.withdrawEscalation(of: alert.id, service: alert.service, to: alert.severity, from: escalation.previous)
                        }
                    }
                })
        } catch {
            metrics.recordStoreFailure()
            throw error
        }
        var results = scored
        for (index, id) in changes.alertIDs { results[index].alertID = id }
        if outboxEnabled, !changes.opened.isEmpty || !changes.escalations.isEmpty { outboxSignal.continuation.yield() }
        for alert in changes.opened {
            metrics.recordAlertOpened(severity: alert.severity)
            log(alert, "\(alert.title)")
        }
        for escalation in changes.escalations {
            let alert = escalation.alert
            metrics.recordAlertEscalated(severity: alert.severity)
            log(alert, "Anomaly in \(alert.service) escalated from \(escalation.previous.rawValue) to \(alert.severity.rawValue)")
        }
        return results
    }

    /// The policy's step for `events`, in order, with their `results`.
    private static func decide(_ events: [MetricEvent], _ results: [DetectionResult], _ policy: inout AlertPolicy) -> AlertChanges {
        var changes = AlertChanges()
        for (index, event) in events.enumerated() where results[index].score.isAnomaly || policy.persistence != nil {
            let result = results[index]
            let severity = result.score.isAnomaly ? Severity(confidence: result.score.confidence) : nil
            func describe() -> Alert { Alert(id: "", event: event, score: result.score, features: result.features, modelType: result.modelType) }
            let lastSeen = policy.lastSeen(of: event.service)
            switch policy.observe(service: event.service, anomaly: severity, timestamp: event.timestamp, describe: describe) {
            case .none:
                continue
            case .repeat(let id):
                changes.countRepeat(of: id, event: event, index: index, lastSeenBefore: lastSeen)
            case .escalate(let id, let previous):
                changes.countRepeat(of: id, event: event, index: index, lastSeenBefore: lastSeen)
                var alert = describe()
                alert.id = id
                changes.escalations.append(AlertChanges.Escalation(alert: alert, previous: previous))
            case .open(var alert):
                // Decided under the lock, so two anomalies at once cannot both open an alert.
                alert.id = newAlertID(at: alert.timestamp)
                policy.opened(alert.id, service: event.service, at: alert.timestamp, lastSeen: alert.lastSeen, severity: alert.severity)
                changes.opened.append(alert)
                changes.alertIDs[index] = alert.id
            }
        }
        return changes
    }

    private func log(_ alert: Alert, _ message: String) {
        logger.notice(
            "\(message)",
            metadata: [
                "alert_id": "\(alert.id)", "severity": "\(alert.severity.rawValue)", "metric": "\(alert.metadata.metric)",
                "score": .stringConvertible(alert.metadata.anomalyScore),
            ])
    }

    /// A lone `/predict` vector judged by the fallback, in call order.
    private func predictFallback(_ values: [Double]) -> Score {
        predictFallback.score(service: "/predict", values: values, timestamp: Date().timeIntervalSince1970 * 1000)
    }

    /// Forgets the per-service state of `services`: another instance now owns their partitions.
    public func forget(services: Set<String>) {
        models.current?.assembler.forget(services)
        fallbackAssembler.forget(services)
        fallback.forget(services)
        policy.withLock { $0.forget(services) }
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

import Foundation
import Testing
import VigilDetect

@testable import VigilServer

/// The alert store: escalations rewrite the open alert, and the Kafka outbox lets an alert go
/// only when the version Kafka acknowledged is the latest.
@Suite struct AlertStoreTests {
    private func alert(_ id: String, confidence: Double, value: Double, at timestamp: Double) -> Alert {
        let score = Score(
            anomalyScore: confidence, isAnomaly: true, confidence: confidence, reconstructionError: 1, threshold: 0.5, featureScores: [1])
        let event = MetricEvent(timestamp: timestamp, service: "db", metric: "cpu_usage", value: value)
        return Alert(id: id, event: event, score: score, features: ["cpu_usage"], modelType: "autoencoder")
    }

    @Test func anEscalationRewritesTheAlertAndKeepsItsOpeningAndCount() async throws {
        let store = try AlertStore(path: TestService.temporaryDirectory() + "/alerts.sqlite")
        try await store.record(opened: [alert("a1", confidence: 0.6, value: 80, at: 1_000)])
        try await store.record(
            opened: [], repeats: [AlertRepeat(alertID: "a1", timestamp: 61_000)],
            escalations: [alert("a1", confidence: 0.95, value: 99, at: 61_000)])
        let stored = try #require(try await store.alerts(matching: AlertQuery()).first)
        #expect(stored.severity == .critical)
        #expect(stored.metadata.value == 99)
        #expect(stored.timestamp == 1_000)
        #expect(stored.count == 2)
        #expect(stored.lastSeen == 61_000)
        #expect(try await store.alerts(matching: AlertQuery(severity: .medium)).isEmpty)
    }

    /// The first version is in flight when the alert escalates: its delivery report must not
    /// take the escalated version out of the outbox.
    @Test func aDeliveredEarlierVersionLeavesTheEscalationInTheOutbox() async throws {
        let store = try AlertStore(path: TestService.temporaryDirectory() + "/alerts.sqlite")
        try await store.record(opened: [alert("a1", confidence: 0.6, value: 80, at: 1_000)], outbox: true)
        let first = try #require(try await store.outbox(limit: 10) { _ in false }.first)
        try await store.record(
            opened: [], repeats: [AlertRepeat(alertID: "a1", timestamp: 61_000)],
            escalations: [alert("a1", confidence: 0.95, value: 99, at: 61_000)], outbox: true)
        try await store.markDelivered([first.version], at: 2_000)
        #expect(try await store.outboxCount() == 1)
        let second = try #require(try await store.outbox(limit: 10) { _ in false }.first)
        #expect(second.revision == first.revision + 1)
        let body = try JSONSerialization.jsonObject(with: second.body) as? [String: Any]
        #expect(body?["severity"] as? String == "critical")
        #expect(body?["count"] as? Int == 2)
        #expect(body?["timestamp"] as? Double == 1_000)
        try await store.markDelivered([second.version], at: 3_000)
        #expect(try await store.outboxCount() == 0)
    }
}

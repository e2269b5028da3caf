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

    /// A repeat of `id` at `timestamp` that escalates it from medium to critical.
    private func escalation(of id: String, at timestamp: Double) -> AlertChanges {
        AlertChanges(
            repeats: [AlertRepeat(alertID: id, timestamp: timestamp)],
            escalations: [AlertChanges.Escalation(alert: alert(id, confidence: 0.95, value: 99, at: timestamp), previous: .medium)])
    }

    @Test func anEscalationRewritesTheAlertAndKeepsItsOpeningAndCount() async throws {
        let store = try AlertStore(path: TestService.temporaryDirectory() + "/alerts.sqlite")
        try await store.record(AlertChanges(opened: [alert("a1", confidence: 0.6, value: 80, at: 1_000)]))
        try await store.record(escalation(of: "a1", at: 61_000))
        let stored = try #require(try await store.alerts(matching: AlertQuery()).first)
        #expect(stored.severity == .critical)
        #expect(stored.metadata.value == 99)
        #expect(stored.timestamp == 1_000)
        #expect(stored.count == 2)
        #expect(stored.lastSeen == 61_000)
        #expect(stored.revision == 1)
        #expect(try await store.alerts(matching: AlertQuery(severity: .medium)).isEmpty)
    }

    /// Paging walks every alert once, newest first, also through alerts opened in the same
    /// millisecond, and ends with no cursor.
    @Test func pagesListEveryAlertOnceThroughEqualTimestamps() async throws {
        let store = try AlertStore(path: TestService.temporaryDirectory() + "/alerts.sqlite")
        let times: [Double] = [1_000, 2_000, 2_000, 2_000, 2_000, 3_000, 4_000]
        try await store.record(AlertChanges(opened: times.enumerated().map { alert("a\($0.offset)", confidence: 0.6, value: 80, at: $0.element) }))
        var listed: [String] = []
        var query = AlertQuery(limit: 2)
        var pages = 0
        while true {
            let page = try await store.page(matching: query)
            listed += page.alerts.map(\.id)
            pages += 1
            guard let next = page.next else { break }
            query.after = next
        }
        // Seven alerts in pages of two: the fourth page holds the last one and ends the list.
        #expect(pages == 4)
        #expect(listed == ["a6", "a5", "a4", "a3", "a2", "a1", "a0"])
        // A page that is full but happens to be the last gives a cursor; the page after it is empty.
        let full = try await store.page(matching: AlertQuery(limit: 7))
        #expect(full.alerts.count == 7)
        let cursor = try #require(full.next)
        let beyond = try await store.page(matching: AlertQuery(limit: 7, after: cursor))
        #expect(beyond.alerts.isEmpty && beyond.next == nil)
        // A cursor survives its token.
        let made = AlertCursor(timestamp: 1_700_000_000_123.5, row: 42)
        #expect(AlertCursor(token: made.token) == made)
        #expect(AlertCursor(token: "page2") == nil)
        #expect(AlertCursor(token: "") == nil)
    }

    /// A restart takes up each service's latest alert, by its last sighting.
    @Test func theOpenIncidentsAreEachServicesLatestAlert() async throws {
        let store = try AlertStore(path: TestService.temporaryDirectory() + "/alerts.sqlite")
        #expect(try store.openIncidents(limit: 10).isEmpty)
        var other = alert("b1", confidence: 0.6, value: 80, at: 5_000)
        other.service = "web"
        try await store.record(
            AlertChanges(opened: [alert("a1", confidence: 0.6, value: 80, at: 1_000), alert("a2", confidence: 0.6, value: 80, at: 2_000), other]))
        // a1 opened first but was seen last.
        try await store.record(escalation(of: "a1", at: 9_000))
        let incidents = try store.openIncidents(limit: 10)
        #expect(incidents.map(\.alertID) == ["a1", "b1"])
        #expect(incidents.first == OpenIncident(alertID: "a1", service: "db", severity: .critical, openedAt: 1_000, lastSeen: 9_000))
        #expect(try store.openIncidents(limit: 1).map(\.alertID) == ["a1"])
    }

    /// Retention counts back from the newest sighting (a replay of old metrics keeps its alerts),
    /// or from now when that is earlier (an alert stamped in the future sweeps nothing away), and
    /// never takes an alert still waiting for Kafka.
    @Test func retentionKeepsRecentAndUndeliveredAlerts() async throws {
        let day = 86_400_000.0
        let store = try AlertStore(path: TestService.temporaryDirectory() + "/alerts.sqlite")
        #expect(try await store.prune(retention: 30 * day, now: 400 * day) == 0)
        try await store.record(AlertChanges(opened: [alert("old", confidence: 0.6, value: 1, at: 100 * day)]))
        try await store.record(AlertChanges(opened: [alert("waiting", confidence: 0.6, value: 1, at: 100 * day)]), outbox: true)
        try await store.record(AlertChanges(opened: [alert("recent", confidence: 0.6, value: 1, at: 190 * day)]))
        // Now is far later, but the newest sighting is day 190: day 100 is 90 days before it.
        #expect(try await store.prune(retention: 120 * day, now: 400 * day) == 0)
        #expect(try await store.prune(retention: 60 * day, now: 400 * day) == 1)
        #expect(try await store.alerts(matching: AlertQuery()).map(\.id).sorted() == ["recent", "waiting"])
        // One alert from the far future: counted from now, the recent one stays.
        try await store.record(AlertChanges(opened: [alert("future", confidence: 0.6, value: 1, at: 5000 * day)]))
        #expect(try await store.prune(retention: 30 * day, now: 200 * day) == 0)
    }

    /// An alert stored before alerts had revisions reads as revision 0.
    @Test func anAlertWithoutARevisionReadsAsTheFirst() throws {
        let body = try JSONEncoder().encode(alert("a1", confidence: 0.6, value: 80, at: 1_000))
        var object = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
        object["revision"] = nil
        let old = try JSONDecoder().decode(Alert.self, from: try JSONSerialization.data(withJSONObject: object))
        #expect(old.revision == 0)
        #expect(old.id == "a1")
    }

    /// The first version is in flight when the alert escalates: its delivery report must not
    /// take the escalated version out of the outbox.
    @Test func aDeliveredEarlierVersionLeavesTheEscalationInTheOutbox() async throws {
        let store = try AlertStore(path: TestService.temporaryDirectory() + "/alerts.sqlite")
        try await store.record(AlertChanges(opened: [alert("a1", confidence: 0.6, value: 80, at: 1_000)]), outbox: true)
        let first = try #require(try await store.outbox(limit: 10) { _ in false }.first)
        try await store.record(escalation(of: "a1", at: 61_000), outbox: true)
        try await store.markDelivered([first.version], at: 2_000)
        #expect(try await store.outboxCount() == 1)
        let second = try #require(try await store.outbox(limit: 10) { _ in false }.first)
        #expect(second.revision == first.revision + 1)
        let body = try JSONSerialization.jsonObject(with: second.body) as? [String: Any]
        #expect(body?["severity"] as? String == "critical")
        #expect(body?["count"] as? Int == 2)
        #expect(body?["timestamp"] as? Double == 1_000)
        #expect(body?["revision"] as? Int == 1)
        try await store.markDelivered([second.version], at: 3_000)
        #expect(try await store.outboxCount() == 0)
    }
}

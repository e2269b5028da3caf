import Testing
import VigilDetect
import VigilServer

@Suite struct DetectionPipelineTests {
    /// A stream with metric-form and vector-form events over three services, anomalies among
    /// them: some open alerts, some repeat on them within the cooldown.
    static let events: [MetricEvent] = (0..<60).map { index in
        let service = ["api", "db", "cache"][index % 3]
        let timestamp = 1_764_072_000_000 + Double(index) * 5_000
        let anomalous = index % 7 == 3
        if index % 5 == 0 { return MetricEvent(timestamp: timestamp, service: service, metric: "memory_usage", value: 55) }
        return MetricEvent(
            timestamp: timestamp, service: service, metric: "cpu_usage", value: anomalous ? 420 : 48 + Double(index % 9),
            tags: ["memory_usage": 50, "disk_io": 51, "network_io": 49, "response_time": anomalous ? 900 : 50])
    }

    @Test func aBatchGivesTheResultsAndAlertsOfOneDetectionPerEvent() async throws {
        let one = try TestService.make().pipeline
        let batched = try TestService.make().pipeline
        var single: [DetectionResult] = []
        for event in Self.events { single.append(try await one.detect(event)) }
        let batch = try await batched.detect(batch: Self.events)

        #expect(batch.count == single.count)
        for (a, b) in zip(single, batch) {
            #expect(abs(a.score.anomalyScore - b.score.anomalyScore) < 1e-6)
            #expect(a.score.isAnomaly == b.score.isAnomaly)
            #expect(a.missingFeatures == b.missingFeatures)
            #expect((a.alertID == nil) == (b.alertID == nil))
        }
        // Alerts were opened and repeated, and the store holds the same ones with the same counts.
        let stored = try await one.store.alerts(matching: AlertQuery(limit: 1000)).map { [$0.service, "\($0.count)", "\($0.timestamp)"] }
        let storedFromBatch = try await batched.store.alerts(matching: AlertQuery(limit: 1000)).map {
            [$0.service, "\($0.count)", "\($0.timestamp)"]
        }
        #expect(!stored.isEmpty)
        #expect(stored.contains { $0[1] != "1" })
        #expect(storedFromBatch == stored)
        // Each result names the alert it opened or counted on: one id per stored alert.
        let ids = Set(batch.compactMap(\.alertID))
        #expect(ids.count == stored.count)
    }
}

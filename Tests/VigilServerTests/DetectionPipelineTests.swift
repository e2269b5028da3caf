import Foundation
import GRDB
import Testing
import VigilDetect
import VigilML
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

    /// When the store refuses an alert, the request fails and the alert does not count as open:
    /// the service's next anomaly opens (and stores) a new one instead of counting a repeat on an
    /// alert that was never stored.
    @Test func anAlertTheStoreRefusedDoesNotHoldBackTheNext() async throws {
        let service = try TestService.make()
        let database = try DatabaseQueue(path: service.configuration.alertDatabasePath)
        try await database.write { try $0.execute(sql: "CREATE TRIGGER refuse BEFORE INSERT ON alert BEGIN SELECT RAISE(ABORT, 'disk full'); END") }
        func anomaly(at second: Double) -> MetricEvent {
            MetricEvent(
                timestamp: 1_764_072_000_000 + second * 1000, service: "api", metric: "cpu_usage", value: 420,
                tags: ["memory_usage": 50, "disk_io": 51, "network_io": 49, "response_time": 900])
        }
        await #expect(throws: (any Error).self) { try await service.pipeline.detect(anomaly(at: 0)) }
        try await database.write { try $0.execute(sql: "DROP TRIGGER refuse") }

        let next = try await service.pipeline.detect(anomaly(at: 5))
        #expect(next.score.isAnomaly)
        let stored = try await service.pipeline.store.alerts(matching: AlertQuery(limit: 10))
        #expect(stored.map(\.id) == [try #require(next.alertID)])
    }

    /// An escalation the store refused did not happen: the incident's next anomaly as severe
    /// escalates the alert again.
    @Test func anEscalationTheStoreRefusedIsTriedAgain() async throws {
        let medium = try #require(TestService.cpu(flaggedAs: .medium))
        let critical = try #require(TestService.cpu(flaggedAs: .critical))
        let service = try TestService.make()
        func anomaly(cpu: Double, at second: Double) -> MetricEvent {
            MetricEvent(
                timestamp: 1_764_072_000_000 + second * 1000, service: "db", metric: "cpu_usage", value: cpu,
                tags: ["memory_usage": 50, "disk_io": 50, "network_io": 50, "response_time": 50])
        }
        let id = try #require(try await service.pipeline.detect(anomaly(cpu: medium, at: 0)).alertID)
        let database = try DatabaseQueue(path: service.configuration.alertDatabasePath)
        try await database.write {
            try $0.execute(sql: "CREATE TRIGGER refuse BEFORE UPDATE OF severity ON alert BEGIN SELECT RAISE(ABORT, 'disk full'); END")
        }
        await #expect(throws: (any Error).self) { try await service.pipeline.detect(anomaly(cpu: critical, at: 10)) }
        try await database.write { try $0.execute(sql: "DROP TRIGGER refuse") }

        #expect(try await service.pipeline.detect(anomaly(cpu: critical, at: 20)).alertID == id)
        let stored = try #require(try await service.pipeline.store.alerts(matching: AlertQuery()).first)
        #expect(stored.severity == .critical)
        #expect(stored.count == 2)
    }

    /// Repeats the store refused were not seen: the cooldown runs from the sighting it holds, so
    /// an anomaly more than the cooldown after it opens a new alert.
    @Test func repeatsTheStoreRefusedDoNotExtendTheIncident() async throws {
        let medium = try #require(TestService.cpu(flaggedAs: .medium))
        let service = try TestService.make()
        func anomaly(at second: Double) -> MetricEvent {
            MetricEvent(
                timestamp: 1_764_072_000_000 + second * 1000, service: "db", metric: "cpu_usage", value: medium,
                tags: ["memory_usage": 50, "disk_io": 50, "network_io": 50, "response_time": 50])
        }
        let id = try #require(try await service.pipeline.detect(anomaly(at: 0)).alertID)
        let database = try DatabaseQueue(path: service.configuration.alertDatabasePath)
        try await database.write {
            try $0.execute(sql: "CREATE TRIGGER refuse BEFORE UPDATE OF count ON alert BEGIN SELECT RAISE(ABORT, 'disk full'); END")
        }
        await #expect(throws: (any Error).self) { try await service.pipeline.detect(anomaly(at: 600)) }
        try await database.write { try $0.execute(sql: "DROP TRIGGER refuse") }
        // 1,000 s after the stored sighting (the cooldown is 900 s), 400 s after the refused one.
        let next = try await service.pipeline.detect(anomaly(at: 1000))
        #expect(next.alertID != nil)
        #expect(next.alertID != id)
    }

    /// Concurrent detections of one service: one alert, every anomaly counted on it, at the
    /// highest severity, whatever order the requests are stored in.
    @Test func concurrentAnomaliesOfOneServiceAreOneAlertAtTheHighestSeverity() async throws {
        let medium = try #require(TestService.cpu(flaggedAs: .medium))
        let critical = try #require(TestService.cpu(flaggedAs: .critical))
        let service = try TestService.make()
        let pipeline = service.pipeline
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<40 {
                group.addTask {
                    _ = try await pipeline.detect(
                        MetricEvent(
                            timestamp: 1_764_072_000_000 + Double(index) * 1000, service: "db", metric: "cpu_usage",
                            value: index % 2 == 0 ? medium : critical,
                            tags: ["memory_usage": 50, "disk_io": 50, "network_io": 50, "response_time": 50]))
                }
            }
            try await group.waitForAll()
        }
        let stored = try await pipeline.store.alerts(matching: AlertQuery())
        #expect(stored.count == 1)
        #expect(stored.first?.count == 40)
        #expect(stored.first?.severity == .critical)
    }

    /// A batch whose alert the store refused is retried without its points being observed
    /// again: under `--alert-k-of-n 1/5`, the alert that finally opens counts its one anomaly,
    /// not one per attempt.
    @Test func aRetriedBatchCountsItsAnomalyOnce() async throws {
        let critical = try #require(TestService.cpu(flaggedAs: .critical))
        let service = try TestService.make { $0.alertPersistence = (k: 1, n: 5) }
        let database = try DatabaseQueue(path: service.configuration.alertDatabasePath)
        let tags = ["memory_usage": 50.0, "disk_io": 50, "network_io": 50, "response_time": 50]
        let events = [MetricEvent(timestamp: 1_764_072_000_000, service: "db", metric: "cpu_usage", value: critical, tags: tags)]
        let scored = service.pipeline.score(batch: events)
        #expect(scored[0].score.isAnomaly)
        try await database.write { try $0.execute(sql: "CREATE TRIGGER refuse BEFORE INSERT ON alert BEGIN SELECT RAISE(ABORT, 'disk full'); END") }
        for _ in 0..<3 {
            await #expect(throws: (any Error).self) { try await service.pipeline.raiseAlerts(for: events, scored: scored) }
        }
        try await database.write { try $0.execute(sql: "DROP TRIGGER refuse") }
        let results = try await service.pipeline.raiseAlerts(for: events, scored: scored)
        #expect(results[0].alertID != nil)
        let stored = try await service.pipeline.store.alerts(matching: AlertQuery())
        #expect(stored.map(\.count) == [1])
    }

    /// A batch the store refused, sent again (a client retrying its 500), is judged as it was
    /// the first time: its events moved their services' state on when scored, and scoring them
    /// again would judge the first against the last one's state.
    @Test func aResentBatchIsJudgedAsItWasTheFirstTime() async throws {
        let critical = try #require(TestService.cpu(flaggedAs: .critical))
        let start = 1_764_072_000_000.0
        let before = [
            MetricEvent(
                timestamp: start, service: "db", metric: "cpu_usage", value: 50,
                tags: ["memory_usage": 50, "disk_io": 50, "network_io": 50, "response_time": 50])
        ]
        // One metric each: the first is judged with the memory reading before the batch.
        let batch = [
            MetricEvent(timestamp: start + 60_000, service: "db", metric: "cpu_usage", value: critical),
            MetricEvent(timestamp: start + 120_000, service: "db", metric: "memory_usage", value: 400),
        ]
        let reference = try TestService.make()
        _ = try await reference.pipeline.detect(batch: before)
        let once = try await reference.pipeline.detect(batch: batch)

        let service = try TestService.make()
        let database = try DatabaseQueue(path: service.configuration.alertDatabasePath)
        _ = try await service.pipeline.detect(batch: before)
        try await database.write { try $0.execute(sql: "CREATE TRIGGER refuse BEFORE INSERT ON alert BEGIN SELECT RAISE(ABORT, 'disk full'); END") }
        await #expect(throws: (any Error).self) { try await service.pipeline.detect(batch: batch) }
        try await database.write { try $0.execute(sql: "DROP TRIGGER refuse") }
        let resent = try await service.pipeline.detect(batch: batch)
        #expect(resent.map(\.score.reconstructionError) == once.map(\.score.reconstructionError))
        #expect(resent[0].alertID != nil)
    }

    /// With `--alert-k-of-n`, the alert describes the worst anomaly that made the incident
    /// persistent, not the one that completed it; it is timed at the first and counts them all.
    @Test func aPersistentAlertDescribesItsWorstAnomaly() async throws {
        let medium = try #require(TestService.cpu(flaggedAs: .medium))
        let critical = try #require(TestService.cpu(flaggedAs: .critical))
        let service = try TestService.make { $0.alertPersistence = (k: 3, n: 5) }
        let tags = ["memory_usage": 50.0, "disk_io": 50, "network_io": 50, "response_time": 50]
        let start = 1_764_072_000_000.0
        for (minute, value) in [critical, 50, medium, 50, medium, medium].enumerated() {
            _ = try await service.pipeline.detect(
                MetricEvent(timestamp: start + Double(minute) * 60_000, service: "db", metric: "cpu_usage", value: value, tags: tags))
        }
        let stored = try await service.pipeline.store.alerts(matching: AlertQuery())
        #expect(stored.count == 1)
        let alert = try #require(stored.first)
        #expect(alert.severity == .critical)
        #expect(alert.metadata.value == critical)
        #expect(alert.metadata.confidence > 0.9)
        #expect(alert.timestamp == start)
        #expect(alert.count == 4, "three when it opened at the fifth point, then the sixth")
        #expect(alert.lastSeen == start + 5 * 60_000)
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

    /// A model trained with a window serves with it: each service's events are scored with that
    /// service's previous time steps (its baseline, its last seasons), as `vigil score` scores
    /// the same rows as a series.
    @Test(arguments: [TemporalWindow(length: 3, differences: true), TemporalWindow(length: 2, baselineHalfLife: 4, seasonLength: 3, stepSeconds: 60)])
    func aWindowedModelScoresEachServiceWithItsOwnPast(window: TemporalWindow) async throws {
        var generator = SeededGenerator(seed: 8)
        let data = SeedProfile.generate(samples: 600, generator: &generator)
        var trainer = DetectorTrainer()
        trainer.configuration.epochs = 2
        trainer.window = window
        let bundle = try trainer.train(Dataset(features: data.features, values: data.values, source: "windowed")).bundle
        let service = try TestService.make(model: bundle)

        // Two services interleaved: "a" gets rows 0..<12 and "b" rows 12..<24, one vector per
        // step (past three seasons of 3 steps, so the seasonal changes become known).
        let steps = 12
        let rows = data.values.gatheringRows(0..<2 * steps)
        let events = (0..<steps).flatMap { step in
            ["a", "b"].map { name in
                let vector = rows.row(name == "a" ? step : step + steps).map(Double.init)
                return MetricEvent(
                    timestamp: 1_764_072_000_000 + Double(step) * 60_000, service: name, metric: "cpu_usage", value: vector[0],
                    tags: Dictionary(uniqueKeysWithValues: zip(bundle.features, vector)))
            }
        }
        let results = try await service.pipeline.detect(batch: events)
        let detector = try AnomalyDetector(bundle: bundle)
        let expectedA = detector.score(series: rows.gatheringRows(0..<steps)).map(\.reconstructionError)
        let expectedB = detector.score(series: rows.gatheringRows(steps..<2 * steps)).map(\.reconstructionError)
        let servedA = stride(from: 0, to: 2 * steps, by: 2).map { results[$0].score.reconstructionError }
        let servedB = stride(from: 1, to: 2 * steps, by: 2).map { results[$0].score.reconstructionError }
        for (served, expected) in zip(servedA + servedB, expectedA + expectedB) {
            #expect(abs(served - expected) <= 1e-6 * max(1, expected), "served \(served), series \(expected)")
        }
        // Each service warms up until its window holds its own steps: the result says so.
        let warm = window.length - 1
        #expect(stride(from: 0, to: 2 * steps, by: 2).map { results[$0].warmingUp } == (0..<steps).map { $0 < warm })

        try await TestService.test(service) { client in
            let info = try await client.get("/api/v1/ml/model-info").object
            let shown = (info["model"] as? [String: Any])?["window"] as? [String: Any]
            #expect(shown?["length"] as? Int == bundle.window.length)
            #expect(shown?["differences"] as? Bool == bundle.window.differences)
            #expect(shown?["season_length"] as? Int == bundle.window.seasonLength)
            #expect(shown?["step_seconds"] as? Double == bundle.window.stepSeconds)
            // A service new to the model says it is warming up; one with its window full does not.
            let fresh = try await client.post("/api/v1/ml/detect", json: metric(service: "new", value: 50, tags: KafkaPipelineTests.tags)).object
            #expect((fresh["result"] as? [String: Any])?["warming_up"] as? Bool == true)
            let known = try await client.post(
                "/api/v1/ml/detect",
                json: metric(service: "a", value: 50, timestamp: 1_764_072_000_000 + Double(steps) * 60_000, tags: KafkaPipelineTests.tags)
            ).object
            #expect((known["result"] as? [String: Any])?["warming_up"] == nil)
        }
    }
}

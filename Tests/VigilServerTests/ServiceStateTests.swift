import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import VigilDetect
import VigilML
import VigilServer

/// What a restart keeps: each service's window, baseline and seasons, saved in the data
/// directory when the service stops and restored when the next one has loaded the model.
@Suite struct ServiceStateTests {
    @Test func aRestartKeepsEachServicesPast() async throws {
        var generator = SeededGenerator(seed: 8)
        let data = SeedProfile.generate(samples: 600, generator: &generator)
        var trainer = DetectorTrainer()
        trainer.configuration.epochs = 2
        trainer.window = TemporalWindow(length: 2, baselineHalfLife: 4, seasonLength: 3, stepSeconds: 60)
        let bundle = try trainer.train(Dataset(features: data.features, values: data.values, source: "seasonal")).bundle
        func event(_ service: String, minute: Int) -> MetricEvent {
            let vector = data.values.row(minute).map(Double.init)
            return MetricEvent(
                timestamp: 1_764_072_000_000 + Double(minute) * 60_000, service: service, metric: "cpu_usage", value: vector[0],
                tags: Dictionary(uniqueKeysWithValues: zip(bundle.features, vector)))
        }
        let directory = TestService.temporaryDirectory()
        let first = try TestService.make(model: bundle) { $0.dataDirectory = directory }
        // A service that never stops, for the scores the restarted one must give.
        let reference = try TestService.make(model: bundle)
        let history = (0..<12).flatMap { minute in [event("api", minute: minute), event("db", minute: minute)] }
        try await first.application().test(.live) { _ in _ = try await first.pipeline.detect(batch: history) }
        _ = try await reference.pipeline.detect(batch: history)
        #expect(FileManager.default.fileExists(atPath: first.configuration.serviceStatePath))

        // The state is in the model's assembler before the model serves: nothing is scored without it.
        let second = try TestService.make(model: bundle) { $0.dataDirectory = directory }
        let assembler = try #require(second.pipeline.models.current?.assembler)
        #expect(assembler.serviceCount == 2)
        let next = [event("api", minute: 12), event("db", minute: 12)]
        try await second.application().test(.live) { _ in
            let restarted = try await second.pipeline.detect(batch: next).map(\.score.reconstructionError)
            let continuous = try await reference.pipeline.detect(batch: next).map(\.score.reconstructionError)
            #expect(restarted == continuous)
        }

        // Loaded by the start-up service instead (no --require-model): the model serves with the
        // state already in it.
        let third = try TestService.make(withModel: false) { $0.dataDirectory = directory }
        try await third.application().test(.live) { _ async throws in
            #expect(try await KafkaPipelineTests.waitUntil(.seconds(10)) { third.pipeline.models.current != nil })
            #expect(third.pipeline.models.current?.assembler.serviceCount == 2)
        }
    }

    /// The open alerts are taken up from the store: an incident running through a restart stays
    /// one alert at the severity it had reached, and one over before it does not take new anomalies.
    @Test func anIncidentRunningThroughARestartStaysOneAlert() async throws {
        let medium = try #require(TestService.cpu(flaggedAs: .medium))
        let critical = try #require(TestService.cpu(flaggedAs: .critical))
        @Sendable func anomaly(_ service: String, cpu: Double, minute: Double) -> String {
            metric(service: service, value: cpu, timestamp: 1_764_072_000_000 + minute * 60_000, tags: KafkaPipelineTests.tags)
        }
        @Sendable func alertID(_ response: TestResponse) -> String? {
            (response.object["result"] as? [String: Any])?["alert_id"] as? String
        }
        let directory = TestService.temporaryDirectory()
        let first = try TestService.make { $0.dataDirectory = directory }
        let before = try await Application(router: first.router(), logger: TestService.logger).test(.router) { client -> [String?] in
            [
                alertID(try await client.post("/api/v1/ml/detect", json: anomaly("api", cpu: critical, minute: 0))),
                alertID(try await client.post("/api/v1/ml/detect", json: anomaly("db", cpu: medium, minute: 0))),
            ]
        }
        let api = try #require(before[0])
        let db = try #require(before[1])
        try await TestService.test(try TestService.make { $0.dataDirectory = directory }) { client in
            // Within the cooldown (15 minutes) of the last sighting: the same incident, not escalated again.
            #expect(alertID(try await client.post("/api/v1/ml/detect", json: anomaly("api", cpu: critical, minute: 4))) == api)
            #expect(alertID(try await client.post("/api/v1/ml/detect", json: anomaly("db", cpu: medium, minute: 16))) != db)
            let alerts = try #require(try await client.get("/api/v1/ml/alerts?service=api").object["alerts"] as? [[String: Any]])
            #expect(alerts.count == 1)
            #expect(alerts.first?["count"] as? Int == 2)
            #expect(try await client.get("/metrics").text.contains("vigil_alerts_escalated_total{severity=\"critical\"} 0"))
        }
    }

    /// While running, the state is saved every `stateSaveInterval` seconds: a crash loses at most
    /// that much.
    @Test func theStateIsAlsoSavedWhileRunning() async throws {
        var trainer = DetectorTrainer()
        trainer.configuration.epochs = 1
        trainer.window = TemporalWindow(length: 2)
        var generator = SeededGenerator(seed: 3)
        let data = SeedProfile.generate(samples: 200, generator: &generator)
        let bundle = try trainer.train(Dataset(features: data.features, values: data.values, source: "windowed")).bundle
        let service = try TestService.make(model: bundle) { $0.stateSaveInterval = 0.1 }
        let path = service.configuration.serviceStatePath
        try await service.application().test(.live) { client in
            try await client.post("/api/v1/ml/detect", json: metric(value: 50))
            #expect(try await KafkaPipelineTests.waitUntil(.seconds(10)) { FileManager.default.fileExists(atPath: path) })
        }
    }
}

import Foundation
import Testing

/// The real `vigil serve` binary, as an operator runs it.
@Suite(.serialized) struct ServeEndToEndTests {
    static let anomaly = """
        {"timestamp": 1764072000000, "service": "checkout", "metric": "cpu_usage", "value": 480,
         "tags": {"memory_usage": 50, "disk_io": 50, "network_io": 50, "response_time": 50}}
        """

    /// Fresh data directory → trains the synthetic default → detects an injected anomaly → the
    /// alert is listed → a new model is reloaded (HTTP, then SIGHUP) → SIGTERM stops it cleanly.
    @Test func aFreshServiceTrainsDetectsAlertsReloadsAndStops() async throws {
        let directory = VigilRunner.temporaryDirectory()
        let server = try ServerProcess(arguments: ["--data-dir", directory])
        try await server.waitUntilReady()
        #expect(server.output.contains("training the synthetic default model"))

        let health = try await server.request("GET", "/health")
        let model = health.body["model"] as? [String: Any]
        #expect(model?["model_source"] as? String == "synthetic-default")

        let detected = try await server.request("POST", "/api/v1/ml/detect", json: Self.anomaly)
        #expect(detected.status == 200)
        let result = detected.body["result"] as? [String: Any]
        #expect(result?["is_anomaly"] as? Bool == true)
        let alertID = try #require(result?["alert_id"] as? String)

        let alerts = try await server.request("GET", "/api/v1/ml/alerts?service=checkout")
        #expect((alerts.body["alerts"] as? [[String: Any]])?.first?["id"] as? String == alertID)

        let trained = try VigilRunner.run(["train", "--synthetic", "2000", "--epochs", "2", "--data-seed", "3", "--out", directory + "/model"])
        #expect(trained.status == 0)
        let reloaded = try await server.request("POST", "/api/v1/ml/model/reload")
        #expect(reloaded.status == 200)
        #expect((reloaded.body["model"] as? [String: Any])?["generation"] as? Int == 2)

        kill(server.process.processIdentifier, SIGHUP)
        var generation = 2
        for _ in 0..<100 where generation == 2 {
            try await Task.sleep(for: .milliseconds(100))
            generation = ((try await server.request("GET", "/health")).body["model"] as? [String: Any])?["generation"] as? Int ?? 0
        }
        #expect(generation == 3, "SIGHUP reloads the bundle")

        #expect(server.stop(with: SIGTERM) == 0)
        #expect(server.output.contains("alert store flushed"))
    }

    /// An alert answered before a `kill -9` is still there after a restart.
    @Test func alertsSurviveKillNine() async throws {
        let directory = VigilRunner.temporaryDirectory()
        let trained = try VigilRunner.run(["train", "--synthetic", "3000", "--epochs", "5", "--out", directory + "/model"])
        #expect(trained.status == 0)
        let first = try ServerProcess(arguments: ["--data-dir", directory, "--require-model"])
        try await first.waitUntilReady()
        let detected = try await first.request("POST", "/api/v1/ml/detect", json: Self.anomaly)
        let alertID = try #require((detected.body["result"] as? [String: Any])?["alert_id"] as? String)
        #expect(first.stop(with: SIGKILL) != nil)

        let second = try ServerProcess(arguments: ["--data-dir", directory, "--require-model"])
        try await second.waitUntilReady()
        let alerts = try await second.request("GET", "/api/v1/ml/alerts")
        #expect((alerts.body["alerts"] as? [[String: Any]])?.map { $0["id"] as? String } == [alertID])
        #expect(second.stop(with: SIGTERM) == 0)
    }

    @Test func requireModelRefusesToStartWithoutABundle() throws {
        let directory = VigilRunner.temporaryDirectory()
        let result = try VigilRunner.run(["serve", "--port", "0", "--data-dir", directory, "--require-model"])
        #expect(result.status == 1)
        #expect(!result.error.contains("Usage:"))
        #expect(result.error.contains("--require-model"))
        #expect(result.error.contains("no model bundle at"))
    }
}

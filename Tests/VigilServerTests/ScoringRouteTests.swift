import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import VigilDetect
import VigilML
import VigilServer

@Suite struct ScoringRouteTests {
    @Test func predictAnswersWithTheSeedFieldsAndFeatureScores() async throws {
        try await TestService.test(try TestService.make()) { client in
            let response = try await client.post("/predict", json: normalVector)
            #expect(response.status == .ok)
            let result = response.object
            for key in ["anomaly_score", "is_anomaly", "confidence", "reconstruction_error", "threshold", "prediction_time_ms", "feature_scores"] {
                #expect(result[key] != nil, "missing \(key)")
            }
            #expect(result["is_anomaly"] as? Bool == false)
            #expect(result["model_type"] as? String == "autoencoder")
            let spike = try await client.post(
                "/predict", json: "{\"cpu_usage\":500,\"memory_usage\":50,\"disk_io\":50,\"network_io\":50,\"response_time\":50}")
            #expect(spike.object["is_anomaly"] as? Bool == true)
        }
    }

    /// A model of the sensors recipe serves as any other: model-info says how it judges, and
    /// each service's window (14 steps: 5 rows and their 10-row means) is assembled for it.
    @Test func aNearestNeighbourModelServes() async throws {
        var generator = SeededGenerator(seed: 7)
        var rows: [[Float]] = []
        for _ in 0..<400 { rows.append((0..<5).map { _ in Float(generator.nextNormal(mean: 50, standardDeviation: 2)) }) }
        var trainer = Recipe.sensors.trainer
        trainer.configuration.epochs = 2
        let features = ["cpu_usage", "memory_usage", "disk_io", "network_io", "response_time"]
        let bundle = try trainer.train(Dataset(features: features, values: Matrix(rows), source: "csv:pump.csv")).bundle
        try await TestService.test(try TestService.make(model: bundle)) { client in
            let info = try await client.get("/api/v1/ml/model-info").object["model"] as! [String: Any]
            #expect(info["evidence"] as? [String] == ["nearest_neighbors"])
            let neighbors = try #require(info["neighbors"] as? [String: Any])
            #expect(neighbors["mean_length"] as? Int == 10 && neighbors["references"] as? Int == 400)
            #expect((info["window"] as? [String: Any])?["length"] as? Int == 14)

            let normal = try await client.post("/predict", json: normalVector)
            #expect(normal.object["is_anomaly"] as? Bool == false, "\(normal.text)")
            // One metric an event: a step's vector is complete, and scored, at its last metric.
            func step(cpu: Double, at second: Int) async throws -> [String: Any]? {
                var last: TestResponse?
                for (name, value) in zip(features, [cpu, 50, 50, 50, 50]) {
                    let time = Double(1_764_072_000_000 + second * 1000)
                    last = try await client.post("/api/v1/ml/detect", json: metric(service: "pump", metric: name, value: value, timestamp: time))
                }
                return last?.object["result"] as? [String: Any]
            }
            for second in 0..<20 {
                let result = try await step(cpu: 50, at: second)
                #expect(result?["is_anomaly"] as? Bool == false, "\(result ?? [:])")
            }
            let result = try #require(try await step(cpu: 80, at: 20))
            #expect(result["is_anomaly"] as? Bool == true)
            let shares = try #require(result["feature_scores"] as? [String: Double])
            #expect(shares["cpu_usage"]! > 0.5)
        }
    }

    @Test func detectBuildsTheServiceVectorAndNeverInventsFeatures() async throws {
        try await TestService.test(try TestService.make()) { client in
            let first = try await client.post("/api/v1/ml/detect", json: metric(value: 50, tags: "{\"memory_usage\":\"52\",\"region\":\"eu\"}"))
            #expect(first.status == .ok)
            #expect(first.object["success"] as? Bool == true)
            let result = first.object["result"] as! [String: Any]
            #expect(result["missing_features"] as? [String] == ["disk_io", "network_io", "response_time"])

            for (metric, value) in [("disk_io", 49.0), ("network_io", 51.0), ("response_time", 50.0)] {
                try await client.post("/api/v1/ml/detect", json: VigilServerTests.metric(metric: metric, value: value))
            }
            let complete = try await client.post("/api/v1/ml/detect", json: metric(value: 48))
            #expect((complete.object["result"] as! [String: Any])["missing_features"] as? [String] == [])

            // Another service starts from nothing: its vector is its own.
            let other = try await client.post("/api/v1/ml/detect", json: metric(service: "db", value: 48))
            #expect(((other.object["result"] as! [String: Any])["missing_features"] as! [String]).count == 4)
        }
    }

    /// ISO 8601 text, as files give times, is the same instant as epoch milliseconds.
    @Test func aTimestampMayBeISO8601Text() async throws {
        let service = try TestService.make { $0.staleness = 60_000 }
        try await TestService.test(service) { client in
            let first = try await client.post(
                "/api/v1/ml/detect",
                json: "{\"timestamp\":\"2025-11-25T12:00:00Z\",\"service\":\"api\",\"metric\":\"memory_usage\",\"value\":50}")
            #expect(first.status == .ok, "\(first.text)")
            // 30 s later, as milliseconds in a string: memory is still current.
            let current = try await client.post(
                "/api/v1/ml/detect", json: "{\"timestamp\":\"1764072030000\",\"service\":\"api\",\"metric\":\"cpu_usage\",\"value\":50}")
            let now = try #require(current.object["result"] as? [String: Any], "\(current.text)")
            #expect((now["missing_features"] as? [String])?.contains("memory_usage") == false)
            // 45 s later, in another zone's time: still current; 90.5 s later: stale.
            func detect(at time: String) async throws -> [String] {
                let response = try await client.post(
                    "/api/v1/ml/detect", json: "{\"timestamp\":\"\(time)\",\"service\":\"api\",\"metric\":\"cpu_usage\",\"value\":50}")
                let result = try #require(response.object["result"] as? [String: Any], "\(response.text)")
                return try #require(result["missing_features"] as? [String])
            }
            #expect(try await !detect(at: "2025-11-25T13:00:45+01:00").contains("memory_usage"))
            #expect(try await detect(at: "2025-11-25 12:01:30.5Z").contains("memory_usage"))
        }
    }

    @Test func staleFeaturesCountAsMissing() async throws {
        let service = try TestService.make { $0.staleness = 60_000 }
        try await TestService.test(service) { client in
            try await client.post("/api/v1/ml/detect", json: metric(metric: "memory_usage", value: 50, timestamp: 1_000_000_000_000))
            let later = try await client.post("/api/v1/ml/detect", json: metric(value: 50, timestamp: 1_000_000_120_000))
            #expect(((later.object["result"] as! [String: Any])["missing_features"] as! [String]).contains("memory_usage"))
        }
    }

    @Test func anomaliesOpenOneAlertPerCooldownAndTheAlertIsListed() async throws {
        try await TestService.test(try TestService.make()) { client in
            let tags = "{\"memory_usage\":50,\"disk_io\":50,\"network_io\":50,\"response_time\":50}"
            let first = try await client.post("/api/v1/ml/detect", json: metric(value: 400, timestamp: 1_764_072_000_000, tags: tags))
            let id = (first.object["result"] as! [String: Any])["alert_id"] as? String
            #expect(id?.hasPrefix("anomaly_1764072000000_") == true)
            let repeated = try await client.post("/api/v1/ml/detect", json: metric(value: 410, timestamp: 1_764_072_010_000, tags: tags))
            #expect((repeated.object["result"] as! [String: Any])["alert_id"] as? String == id)
            // Within the cooldown (15 minutes) of the one before, though 20 minutes after the opening.
            for seconds in [600.0, 1200] {
                let more = try await client.post(
                    "/api/v1/ml/detect", json: metric(value: 410, timestamp: 1_764_072_000_000 + seconds * 1000, tags: tags))
                #expect((more.object["result"] as! [String: Any])["alert_id"] as? String == id)
            }
            let afterCooldown = try await client.post("/api/v1/ml/detect", json: metric(value: 420, timestamp: 1_764_074_101_000, tags: tags))
            #expect((afterCooldown.object["result"] as! [String: Any])["alert_id"] as? String != id)

            let listed = try await client.get("/api/v1/ml/alerts?service=api")
            let alerts = listed.object["alerts"] as! [[String: Any]]
            #expect(alerts.count == 2)
            #expect(alerts[1]["id"] as? String == id)
            #expect(alerts[1]["count"] as? Int == 4)
            #expect((alerts[1]["top_features"] as! [[String: Any]]).contains { $0["feature"] as? String == "cpu_usage" })
            let metadata = alerts[1]["metadata"] as! [String: Any]
            #expect(metadata["metric"] as? String == "cpu_usage")
            #expect(metadata["modelType"] as? String == "autoencoder")
            // Severity follows confidence as in the seed: > 0.9 critical, > 0.7 high, else medium.
            let confidence = metadata["confidence"] as! Double
            #expect(alerts[1]["severity"] as? String == (confidence > 0.9 ? "critical" : confidence > 0.7 ? "high" : "medium"))

            #expect((try await client.get("/api/v1/ml/alerts?service=db").object["count"] as? Int) == 0)
            #expect((try await client.get("/api/v1/ml/alerts?severity=medium").object["count"] as? Int) == 0)
            #expect((try await client.get("/api/v1/ml/alerts?since=1764072050000").object["count"] as? Int) == 1)
            // Epoch seconds, as detect reads a timestamp below 1e11.
            #expect((try await client.get("/api/v1/ml/alerts?since=1764072050").object["count"] as? Int) == 1)
            #expect((try await client.get("/api/v1/ml/alerts?until=2025-11-25T12:00:00Z").object["count"] as? Int) == 1)
            // Two alerts, one per page: the cursor leads to the older one, then the list ends.
            let newest = try await client.get("/api/v1/ml/alerts?service=api&limit=1").object
            #expect((newest["alerts"] as! [[String: Any]]).map { $0["id"] as? String } == [alerts[0]["id"] as? String])
            let cursor = try #require(newest["next_cursor"] as? String)
            let second = try await client.get("/api/v1/ml/alerts?service=api&limit=1&cursor=\(cursor)").object
            #expect((second["alerts"] as! [[String: Any]]).map { $0["id"] as? String } == [id])
            let third = try await client.get("/api/v1/ml/alerts?service=api&limit=1&cursor=\(try #require(second["next_cursor"] as? String))").object
            #expect(third["count"] as? Int == 0)
            #expect(third["next_cursor"] is NSNull)
            #expect(listed.object["next_cursor"] is NSNull)
        }
    }

    /// An incident that opens as medium and turns critical escalates its alert: one alert, now
    /// critical and described by the worse anomaly, still opened at the first.
    @Test func aWorseningIncidentEscalatesItsAlert() async throws {
        let medium = try #require(TestService.cpu(flaggedAs: .medium))
        let critical = try #require(TestService.cpu(flaggedAs: .critical))
        let service = try TestService.make()
        try await TestService.test(service) { client in
            let tags = "{\"memory_usage\":50,\"disk_io\":50,\"network_io\":50,\"response_time\":50}"
            let first = try await client.post(
                "/api/v1/ml/detect", json: metric(service: "db", value: medium, timestamp: 1_764_072_000_000, tags: tags))
            let id = try #require((first.object["result"] as? [String: Any])?["alert_id"] as? String)
            #expect(try await client.get("/api/v1/ml/alerts?service=db&severity=medium").object["count"] as? Int == 1)
            for (value, seconds) in [(critical, 60.0), (medium, 120)] {
                let next = try await client.post(
                    "/api/v1/ml/detect", json: metric(service: "db", value: value, timestamp: 1_764_072_000_000 + seconds * 1000, tags: tags))
                #expect((next.object["result"] as? [String: Any])?["alert_id"] as? String == id)
            }
            let alerts = try #require(try await client.get("/api/v1/ml/alerts?service=db").object["alerts"] as? [[String: Any]])
            #expect(alerts.count == 1)
            #expect(alerts.first?["severity"] as? String == "critical")
            #expect(alerts.first?["count"] as? Int == 3)
            #expect(alerts.first?["timestamp"] as? Double == 1_764_072_000_000)
            #expect(alerts.first?["last_seen"] as? Double == 1_764_072_120_000)
            #expect((alerts.first?["metadata"] as? [String: Any])?["value"] as? Double == critical)
            #expect(try await client.get("/api/v1/ml/alerts?service=db&severity=medium").object["count"] as? Int == 0)
            let exposition = try await client.get("/metrics").text
            #expect(exposition.contains("vigil_alerts_escalated_total{severity=\"critical\"} 1"))
            #expect(exposition.contains("vigil_alerts_opened_total{severity=\"medium\"} 1"))
        }
    }

    @Test func batchesScoreMetricsAndVectorsInOrder() async throws {
        try await TestService.test(try TestService.make()) { client in
            let array =
                "[\(normalVector), \(metric(value: 50)), {\"cpu_usage\":900,\"memory_usage\":50,\"disk_io\":50,\"network_io\":50,\"response_time\":50}]"
            let response = try await client.post("/api/v1/ml/detect/batch", json: array)
            #expect(response.status == .ok)
            let results = response.object["results"] as! [[String: Any]]
            #expect(results.count == 3)
            #expect(results[1]["missing_features"] != nil)
            #expect(results[2]["is_anomaly"] as? Bool == true)

            // The full 10,000 items fit: the batch body limit (16 MiB) is above the single-body one (1 MiB).
            let full = try await client.post(
                "/api/v1/ml/detect/batch",
                json: "[" + Array(repeating: metric(value: 50, tags: "{\"memory_usage\":50,\"disk_io\":50}"), count: 10_000).joined(separator: ",")
                    + "]")
            #expect(full.status == .ok)
            #expect(full.object["count"] as? Int == 10_000)

            let ndjson = "\(normalVector)\n\n\(metric(value: 51))\n"
            let lines = try await client.post("/api/v1/ml/detect/batch", json: ndjson, headers: [.contentType: "application/x-ndjson"])
            #expect(lines.object["count"] as? Int == 2)
            // Parameters of the content type are fine when the charset is UTF-8.
            let declared = try await client.post(
                "/api/v1/ml/detect/batch", json: "[\(normalVector)]", headers: [.contentType: "Application/JSON; charset=\"UTF-8\""])
            #expect(declared.status == .ok)
            // Windows line ends read alike.
            let crlf = try await client.post(
                "/api/v1/ml/detect/batch", json: "\(normalVector)\r\n\r\n\(metric(value: 51))\r\n",
                headers: [.contentType: "application/x-ndjson"])
            #expect(crlf.object["count"] as? Int == 2, "\(crlf.object)")
            // A bad item is named by its index, as the results are, and by its line.
            let bad = try await client.post(
                "/api/v1/ml/detect/batch", json: "\(normalVector)\n\n{\"timestamp\":1764072000000,\"service\":\"web\",\"metric\":\"cpu_usage\"}\n",
                headers: [.contentType: "application/x-ndjson"])
            #expect(bad.status == .badRequest)
            #expect(bad.object["field"] as? String == "[1].value")
            #expect(bad.object["error"] as? String == "field '[1].value' is required (line 3 of the NDJSON body)")
        }
    }

    @Test func theFallbackScoresWhenNoModelIsLoaded() async throws {
        try await TestService.test(try TestService.make(withModel: false)) { client in
            #expect(try await client.get("/ready").status == .serviceUnavailable)
            var last: [String: Any] = [:]
            for i in 0..<30 {
                let value = 50 + Double(i % 5)
                last = try await client.post("/api/v1/ml/detect", json: metric(value: value, timestamp: 1_764_072_000_000 + Double(i) * 1000)).object
            }
            #expect((last["result"] as! [String: Any])["model_type"] as? String == "fallback")
            #expect((last["result"] as! [String: Any])["is_anomaly"] as? Bool == false)
            let spike = try await client.post("/api/v1/ml/detect", json: metric(value: 400, timestamp: 1_764_072_100_000)).object
            let result = spike["result"] as! [String: Any]
            #expect(result["is_anomaly"] as? Bool == true)
            #expect(result["model_type"] as? String == "fallback")
            let health = try await client.get("/health").object
            #expect((health["model"] as! [String: Any])["model_type"] as? String == "fallback")
            // A metric the fallback does not read may be right for the model: 503, send again later.
            let custom = try await client.post("/api/v1/ml/detect", json: metric(metric: "queue_depth", value: 3, timestamp: 1_764_072_200_000))
            #expect(custom.status == .serviceUnavailable)
            #expect(custom.object["code"] as? String == "model_unavailable")
            #expect((custom.object["error"] as? String)?.hasPrefix("the model is still loading, and the fallback reads only cpu_usage") == true)
            // A body wrong whatever the model is stays a 400.
            let wrong = try await client.post("/api/v1/ml/detect", json: metric(value: .nan, timestamp: 1_764_072_200_000))
            #expect(wrong.status == .badRequest)
            // A vector missing one of the fallback's features may be right for the model that is
            // loading (one trained on fewer of the seed's metrics): 503 too, not a 400 that would
            // have a client drop it, or the Kafka consumer dead-letter it.
            let short = "{\"cpu_usage\":45,\"memory_usage\":60,\"network_io\":48,\"response_time\":52}"
            let incomplete = try await client.post("/predict", json: short)
            #expect(incomplete.status == .serviceUnavailable)
            #expect(incomplete.object["code"] as? String == "model_unavailable" && incomplete.object["field"] as? String == "disk_io")
        }
    }
}

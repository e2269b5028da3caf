import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import Testing
import VigilDetect
import VigilML
import VigilServer

@Suite struct OperationsRouteTests {
    @Test func healthAndReadyReportTheRealState() async throws {
        try await TestService.test(try TestService.make()) { client in
            let health = try await client.get("/health")
            #expect(health.status == .ok)
            #expect(health.object["status"] as? String == "healthy")
            let model = health.object["model"] as! [String: Any]
            #expect(model["status"] as? String == "ready")
            #expect(model["model_source"] as? String == "bundle")
            #expect(((health.object["sinks"] as! [String: Any])["alert_store"] as! [String: Any])["status"] as? String == "ok")
            #expect(health.object["kafka"] as? String == "not configured")
            // The seed's model-server fields.
            #expect(health.object["model_loaded"] as? Bool == true)
            let threshold = try #require(health.object["threshold"] as? Double)
            #expect(abs(threshold - TestService.bundle.calibration!.threshold) < 1e-12)
            #expect(try await client.get("/ready").object["ready"] as? Bool == true)
        }
        try await TestService.test(try TestService.make(withModel: false)) { client in
            let health = try await client.get("/health").object
            #expect(health["model_loaded"] as? Bool == false)
            #expect(health["threshold"] is NSNull)
        }
    }

    /// A store that answers reads but refuses writes (a full disk) shows in `/health` and in a
    /// counter until a write succeeds again; `/ready` stays 200, for the replica to keep getting
    /// the traffic that shows it has recovered.
    @Test func aStoreThatCannotWriteIsReportedUntilItCan() async throws {
        let critical = try #require(TestService.cpu(flaggedAs: .critical))
        let service = try TestService.make()
        let database = try DatabaseQueue(path: service.configuration.alertDatabasePath)
        try await TestService.test(service) { client in
            func store() async throws -> [String: Any] {
                let health = try await client.get("/health").object
                return ((health["sinks"] as? [String: Any])?["alert_store"] as? [String: Any] ?? [:]).merging(["overall": health["status"] ?? ""]) {
                    $1
                }
            }
            let tags = "{\"memory_usage\":50,\"disk_io\":50,\"network_io\":50,\"response_time\":50}"
            // A full disk refuses every write: the alerts' and /health's probe.
            try await database.write { db in
                try db.execute(sql: "CREATE TRIGGER refuse BEFORE INSERT ON alert BEGIN SELECT RAISE(ABORT, 'disk full'); END")
                try db.execute(sql: "CREATE TABLE IF NOT EXISTS write_probe (at REAL NOT NULL)")
                try db.execute(sql: "CREATE TRIGGER refuse_probe BEFORE INSERT ON write_probe BEGIN SELECT RAISE(ABORT, 'disk full'); END")
            }
            let refused = try await client.post(
                "/api/v1/ml/detect", json: metric(service: "db", value: critical, timestamp: 1_764_072_000_000, tags: tags))
            #expect(refused.status == .internalServerError)
            let failing = try await store()
            #expect(failing["status"] as? String == "error")
            #expect((failing["error"] as? String)?.contains("the latest write failed: disk full") == true, "\(failing)")
            #expect(failing["overall"] as? String == "degraded")
            #expect(try await client.get("/ready").status == .ok)
            let metrics = try await client.get("/metrics").text
            #expect(metrics.contains("vigil_alert_store_failures_total 1"))
            #expect(metrics.contains("vigil_alert_store_writable 0"), "\(metrics)")
            // The disk is freed: /health's probe finds out, before any alert is written.
            try await database.write { db in
                try db.execute(sql: "DROP TRIGGER refuse")
                try db.execute(sql: "DROP TRIGGER refuse_probe")
            }
            #expect(try await store()["status"] as? String == "ok")
            #expect(try await client.get("/metrics").text.contains("vigil_alert_store_writable 1"))
            let stored = try await client.post(
                "/api/v1/ml/detect", json: metric(service: "db", value: critical, timestamp: 1_764_072_060_000, tags: tags))
            #expect(stored.status == .ok)
        }
    }

    /// HEAD is answered wherever GET is (some probes send it): the status and headers, no body.
    @Test func headIsAnsweredLikeGetWithoutABody() async throws {
        try await TestService.test(try TestService.make()) { client in
            let head = try await client.execute(uri: "/ready", method: .head)
            #expect(head.status == .ok)
            #expect(head.body.readableBytes == 0)
            #expect(head.headers[.contentType]?.hasPrefix("application/json") == true)
            let post = try await client.execute(uri: "/predict", method: .head)
            #expect(post.status == .methodNotAllowed)
        }
    }

    @Test func modelInfoCarriesTheSeedFieldsAndMeasuredFigures() async throws {
        try await TestService.test(try TestService.make()) { client in
            let info = try await client.get("/api/v1/ml/model-info").object["model"] as! [String: Any]
            #expect(info["model_type"] as? String == "autoencoder")
            #expect(info["input_features"] as? Int == 5)
            #expect(info["training_samples"] as? Int == 3000)
            #expect(info["status"] as? String == "operational")
            #expect(info["version"] as? String != nil)
            #expect(abs((info["threshold"] as? Double ?? 0) - TestService.bundle.calibration!.threshold) < 1e-12)
            #expect((info["validation"] as! [String: Any])["best_val_loss"] != nil)
            #expect(info["target_accuracy"] == nil)
            // No internal paths: the training file is named, its directory is not.
            #expect(info["trained_from"] as? String == "csv:history.csv")
        }
    }

    @Test func metricsAreThePrometheusTextFormat() async throws {
        try await TestService.test(try TestService.make()) { client in
            try await client.post("/predict", json: normalVector)
            _ = try await client.get("/predict")
            _ = try await client.get("/no/such/path")
            let response = try await client.get("/metrics")
            #expect(response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
            let text = response.text
            #expect(text.contains("vigil_http_requests_total{route=\"/predict\",method=\"POST\",status=\"200\"} 1"))
            #expect(text.contains("vigil_http_request_duration_seconds_bucket{route=\"/predict\""))
            // A wrong method counts on its route, an unknown path on none.
            #expect(text.contains("vigil_http_requests_total{route=\"/predict\",method=\"GET\",status=\"405\"} 1"))
            #expect(text.contains("vigil_http_requests_total{route=\"unmatched\",method=\"GET\",status=\"404\"} 1"))
            #expect(text.contains("vigil_predictions_total{model_type=\"autoencoder\"} 1"))
            #expect(!text.contains("vigil_anomalies_total{"))
            #expect(text.contains("vigil_model_info{version=\""))
            #expect(text.contains("source=\"bundle\",model_type=\"autoencoder\"} 1"))
            // Counters an operator alerts on exist before their first event, for increase() to see it.
            for series in [
                "vigil_alert_store_failures_total 0", "vigil_alerts_escalated_total{severity=\"critical\"} 0",
                "vigil_alerts_opened_total{severity=\"medium\"} 0", "vigil_kafka_alert_deliveries_total{result=\"failed\"} 0",
            ] {
                #expect(text.contains(series), "\(series)")
            }
        }
    }

    /// An anomalous vector counts among the anomalies as an anomalous metric does, under the
    /// service `(vector)`: anomalies over predictions is the anomaly rate, whatever the door.
    @Test func anomalousVectorsAreCountedAsAnomalies() async throws {
        let cpu = try #require(TestService.cpu(flaggedAs: .critical))
        try await TestService.test(try TestService.make()) { client in
            let anomalous = "{\"cpu_usage\":\(cpu),\"memory_usage\":50,\"disk_io\":50,\"network_io\":50,\"response_time\":50}"
            let predicted = try await client.post("/predict", json: anomalous).object
            #expect(predicted["is_anomaly"] as? Bool == true)
            try await client.post("/api/v1/ml/detect/batch", json: "[\(anomalous),\(normalVector),\(anomalous)]")
            let text = try await client.get("/metrics").text
            #expect(text.contains("vigil_anomalies_total{service=\"(vector)\",severity=\"critical\"} 3"), "\(text)")
            #expect(text.contains("vigil_predictions_total{model_type=\"autoencoder\"} 4"))
        }
    }

    @Test func reloadSwapsAGoodBundleAndRefusesABadOne() async throws {
        let service = try TestService.make()
        try await TestService.test(service) { client in
            // A broken bundle is refused; the old model keeps serving.
            try Data("{\"format_version\": 9}".utf8).write(to: URL(fileURLWithPath: service.loader.path + "/model.json"))
            let refused = try await client.post("/api/v1/ml/model/reload", json: "")
            #expect(refused.status == .unprocessableContent)
            let message = refused.object["error"] as? String ?? ""
            #expect(message.contains("format_version 9 is not supported"))
            #expect(!message.contains(service.configuration.dataDirectory), "no internal paths: \(message)")
            #expect(try await client.post("/predict", json: normalVector).object["model_type"] as? String == "autoencoder")
            let refusedHealth = try await client.get("/health").object
            #expect(refusedHealth["status"] as? String == "degraded")
            let health = refusedHealth["model"] as! [String: Any]
            #expect(health["generation"] as? Int == 1)
            #expect((health["last_error"] as? String)?.contains("<model>") == true)
            let before = try await client.get("/metrics").text
            #expect(before.contains("vigil_model_load_failed 1"))

            // A good one replaces it atomically.
            var generator = SeededGenerator(seed: 8)
            let data = SeedProfile.generate(samples: 500, generator: &generator)
            var trainer = DetectorTrainer()
            trainer.configuration.epochs = 2
            try trainer.train(data).bundle.save(to: service.loader.path)
            let reloaded = try await client.post("/api/v1/ml/model/reload", json: "")
            #expect(reloaded.status == .ok)
            #expect((reloaded.object["model"] as! [String: Any])["generation"] as? Int == 2)
            // The refused bundle's error is history once a bundle loads.
            #expect((try await client.get("/health").object["model"] as! [String: Any])["last_error"] == nil)
            #expect(try await client.get("/health").object["status"] as? String == "healthy")
            let after = try await client.get("/metrics").text
            #expect(after.contains("vigil_model_load_failed 0"))
            // Only the model in service has an info series: the one replaced leaves none behind.
            let infoSeries = { (text: String) in text.split(separator: "\n").filter { $0.hasPrefix("vigil_model_info{") } }
            #expect(infoSeries(before).count == 1)
            #expect(infoSeries(after).count == 1)
            #expect(infoSeries(after) != infoSeries(before))
            #expect(infoSeries(after).first?.hasSuffix("} 1.0") == true, "\(infoSeries(after))")
        }
    }

    @Test func documentationIsServedByVigilItself() async throws {
        try await TestService.test(try TestService.make()) { client in
            let specification = try await client.get("/openapi.json").object
            #expect(specification["openapi"] as? String == "3.0.3")
            let paths = specification["paths"] as! [String: Any]
            for path in [
                "/predict", "/api/v1/ml/detect", "/api/v1/ml/detect/batch", "/api/v1/ml/model-info", "/api/v1/ml/alerts", "/health", "/ready",
                "/metrics", "/dashboard",
            ] {
                #expect(paths[path] != nil, "\(path) is not documented")
            }
            let page = try await client.get("/docs")
            #expect(page.headers[.contentType]?.hasPrefix("text/html") == true)
            #expect(page.text.contains("<code>/api/v1/ml/detect</code>"))
            #expect(!page.text.contains("http://") && !page.text.contains("https://"), "no external resources")
        }
    }
}

@Suite struct SecurityTests {
    @Test func aTokenGuardsTheAPIButNotTheProbes() async throws {
        try await TestService.test(try TestService.make { $0.apiToken = "s3cret" }) { client in
            let anonymous = try await client.post("/predict", json: normalVector)
            #expect(anonymous.status == .unauthorized)
            #expect(anonymous.headers[.wwwAuthenticate] == "Bearer")
            #expect(anonymous.object["code"] as? String == "unauthorized")
            let wrong = try await client.post(
                "/predict", json: normalVector, headers: [.contentType: "application/json", .authorization: "Bearer s3cres"])
            #expect(wrong.status == .unauthorized)
            let right = try await client.post(
                "/predict", json: normalVector, headers: [.contentType: "application/json", .authorization: "Bearer s3cret"])
            #expect(right.status == .ok)
            // The scheme's name is case-insensitive; the token is not.
            for header in ["bearer s3cret", "BEARER  s3cret"] {
                let accepted = try await client.post(
                    "/predict", json: normalVector, headers: [.contentType: "application/json", .authorization: header])
                #expect(accepted.status == .ok, "\(header)")
            }
            let upperToken = try await client.post(
                "/predict", json: normalVector, headers: [.contentType: "application/json", .authorization: "Bearer S3CRET"])
            #expect(upperToken.status == .unauthorized)
            #expect(try await client.get("/api/v1/ml/alerts").status == .unauthorized)
            for open in ["/health", "/ready", "/metrics", "/docs", "/openapi.json", "//health", "/metrics/"] {
                #expect(try await client.get(open).status == .ok, "\(open) must stay open")
            }
            // Spellings the router reads as a protected path are protected too.
            for uri in ["//api/v1/ml/alerts", "/api//v1/ml/alerts", "//api/v1/ml/model-info", "/api/v1/ml/alerts/"] {
                #expect(try await client.get(uri).status == .unauthorized, "\(uri)")
            }
            for uri in ["//predict", "//api/v1/ml/detect", "//api/v1/ml/model/reload"] {
                #expect(try await client.post(uri, json: normalVector).status == .unauthorized, "\(uri)")
            }
        }
    }

    @Test func corsAnswersOnlyAllowedOrigins() async throws {
        try await TestService.test(try TestService.make { $0.corsOrigins = ["https://ops.example"] }) { client in
            let allowed = try await client.get("/health", headers: [.origin: "https://ops.example"])
            #expect(allowed.headers[.accessControlAllowOrigin] == "https://ops.example")
            let other = try await client.get("/health", headers: [.origin: "https://evil.example"])
            #expect(other.headers[.accessControlAllowOrigin] == nil)
            #expect(other.headers[.vary] == "Origin", "a cache must not serve one origin's answer to another")
            let preflight = try await client.execute(
                uri: "/predict", method: .options, headers: [.origin: "https://ops.example", .accessControlRequestMethod: "POST"])
            #expect(preflight.status == .noContent)
            #expect(preflight.headers[.accessControlAllowMethods]?.contains("POST") == true)
        }
        try await TestService.test(try TestService.make()) { client in
            let off = try await client.get("/health", headers: [.origin: "https://ops.example"])
            #expect(off.headers[.accessControlAllowOrigin] == nil)
        }
    }
}

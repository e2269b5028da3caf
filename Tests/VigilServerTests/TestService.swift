import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import VigilDetect
import VigilML
import VigilServer

/// A Vigil service on a fresh data directory with a small trained model, for route tests.
enum TestService {
    /// One small bundle, trained once for all tests (seed profile, 3,000 rows, 8 epochs).
    /// It is a weak model: tests assert what any sane detector does, not its exact numbers.
    static let bundle: ModelBundle = {
        var generator = SeededGenerator(seed: 5)
        let data = SeedProfile.generate(samples: 3000, generator: &generator)
        var trainer = DetectorTrainer()
        trainer.configuration.epochs = 8
        trainer.contamination = 0.2
        return try! trainer.train(Dataset(features: data.features, values: data.values, source: "csv:/secret/place/history.csv")).bundle
    }()

    /// The lowest CPU value (the other features at 50, stepping by 5) that ``bundle`` flags
    /// with `severity`: a weak model's bands are found, not assumed.
    static func cpu(flaggedAs severity: Severity) -> Double? {
        let detector = try! AnomalyDetector(bundle: bundle)
        return stride(from: 50.0, through: 20_000, by: 5).first { value in
            let score = detector.score([value, 50, 50, 50, 50])
            return score.isAnomaly && Severity(confidence: score.confidence) == severity
        }
    }

    static let logger: Logger = {
        var logger = Logger(label: "vigil-test") { VigilLogHandler(label: $0, format: .text) }
        // Quiet unless asked: VIGIL_TEST_LOG_LEVEL=debug swift test …
        logger.logLevel = ProcessInfo.processInfo.environment["VIGIL_TEST_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .critical
        return logger
    }()

    static func temporaryDirectory() -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-server-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url.path
    }

    /// A service with `model` saved as its model and loaded as `--require-model` loads it, with
    /// the services' saved state (unless `withModel` is false).
    static func make(
        withModel: Bool = true, model: ModelBundle = bundle, _ configure: (inout ServerConfiguration) -> Void = { _ in }
    ) throws -> VigilService {
        var configuration = ServerConfiguration()
        configuration.dataDirectory = temporaryDirectory()
        configure(&configuration)
        let service = try VigilService(configuration: configuration, logger: logger)
        if withModel {
            try model.save(to: service.loader.path)
            _ = service.loadModel()
        }
        return service
    }

    /// Runs `body` against `service`'s router in memory.
    static func test(_ service: VigilService, _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let application = Application(router: service.router(), logger: logger)
        try await application.test(.router, body)
    }
}

extension TestClientProtocol {
    @discardableResult
    func post(_ uri: String, json: String, headers: HTTPFields = [.contentType: "application/json"]) async throws -> TestResponse {
        try await execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: json))
    }

    func get(_ uri: String, headers: HTTPFields = [:]) async throws -> TestResponse {
        try await execute(uri: uri, method: .get, headers: headers)
    }
}

extension TestResponse {
    /// The body as a JSON object.
    var object: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(String(buffer: body).utf8))) as? [String: Any] ?? [:]
    }

    var text: String { String(buffer: body) }
}

/// A metric body for `/api/v1/ml/detect`.
func metric(service: String = "api", metric: String = "cpu_usage", value: Double, timestamp: Double = 1_764_072_000_000, tags: String = "{}")
    -> String
{
    "{\"timestamp\":\(timestamp),\"service\":\"\(service)\",\"metric\":\"\(metric)\",\"value\":\(value),\"tags\":\(tags)}"
}

let normalVector = "{\"cpu_usage\":50,\"memory_usage\":50,\"disk_io\":50,\"network_io\":50,\"response_time\":50}"

import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import VigilDetect
import VigilML
import VigilServer

/// `vigil serve`: the seed's model server and ML service as one HTTP service.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the scoring API, alerts, Prometheus metrics and docs over HTTP.",
        discussion: """
            Environment variables stand in for flags: HOST, PORT, MODEL_PATH,
            VIGIL_DATA_DIR, VIGIL_CORS_ORIGINS (comma-separated), KAFKA_BROKER,
            VIGIL_METRICS_TOPIC, and VIGIL_API_TOKEN (only from the environment, so the
            token never shows in a process list). Flags win over the environment.

            Without --model, the bundle in <data dir>/model is served; if there is none,
            the seed's synthetic default is trained there first (a few seconds; the
            fallback answers meanwhile). SIGHUP or POST /api/v1/ml/model/reload reloads
            the bundle; SIGTERM stops gracefully.
            """
    )

    @Option(help: "The address to listen on (HOST; default 127.0.0.1, use 0.0.0.0 in a container).")
    var host: String?

    @Option(parsing: .unconditional, help: "The port (PORT; default 3005).")
    var port: Int?

    @Option(help: "The model bundle to serve (MODEL_PATH; default <data dir>/model).")
    var model: String?

    @Option(help: "Where the alert database and the default model live (VIGIL_DATA_DIR; default vigil-data).")
    var dataDir: String?

    @Flag(help: "Fail at start when the model bundle cannot be loaded, instead of training the synthetic default.")
    var requireModel = false

    @Option(help: "Log lines as text or json.")
    var logFormat = "text"

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel = "info"

    @Option(name: .customLong("cors-origin"), help: "An origin allowed to call the API from a browser (repeatable; VIGIL_CORS_ORIGINS).")
    var corsOrigins: [String] = []

    @Option(parsing: .unconditional, help: "The largest request body, in bytes.")
    var bodyLimit = 1 << 20

    @Option(parsing: .unconditional, help: "The largest batch request body, in bytes.")
    var batchBodyLimit = 16 << 20

    @Option(parsing: .unconditional, help: "Seconds a feature value stays current for its service.")
    var staleness = 300.0

    @Option(
        parsing: .unconditional,
        help:
            "Seconds a service must go without an anomaly before its next one opens a new alert (until then they count on the open one); keep it above the metrics' interval."
    )
    var alertCooldown = 900.0

    @Option(
        parsing: .unconditional,
        help: "Days an alert is kept after its last sighting (0: keep every alert); undelivered Kafka alerts stay until delivered.")
    var alertRetention = 90.0

    @Option(
        parsing: .unconditional, help: "Seconds between saves of each service's window, baseline and seasons while running (0: only at shutdown).")
    var stateSaveInterval = 300.0

    @Option(help: "Alert only when K of a service's last N points are anomalous, written K/N (e.g. 3/5).")
    var alertKOfN: String?

    @Option(help: "Kafka bootstrap servers, host:port[,host:port] (KAFKA_BROKER): alerts are published there.")
    var kafkaBrokers: String?

    @Option(help: "The topic alerts are published to.")
    var alertsTopic = "alerts"

    @Option(help: "Consume metrics from this topic (VIGIL_METRICS_TOPIC); off by default.")
    var metricsTopic: String?

    @Option(help: "The consumer group for --metrics-topic.")
    var consumerGroup = "ml-processing-group"

    @Option(help: "Where undecodable metric messages go, with the reason in a header.")
    var deadLetterTopic = "metrics.dlq"

    @Option(
        name: .customLong("kafka-property"),
        help: "A librdkafka property for every Kafka client, written name=value (security.protocol=SASL_SSL, sasl.mechanism=…); repeatable.")
    var kafkaProperties: [String] = []

    func validate() throws {
        if VigilLogHandler.Format(rawValue: logFormat) == nil { throw ValidationError("--log-format must be text or json, got '\(logFormat)'") }
        if Logger.Level(rawValue: logLevel) == nil {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical; got '\(logLevel)'")
        }
        if let port, !(0...65535).contains(port) { throw ValidationError("--port must be 0–65535, got \(port)") }
        if bodyLimit < 1024 || batchBodyLimit < 1024 { throw ValidationError("--body-limit and --batch-body-limit must be at least 1024 bytes") }
        if !(staleness > 0 && staleness.isFinite) { throw ValidationError("--staleness must be a positive number of seconds, got \(staleness)") }
        if !(alertCooldown >= 0 && alertCooldown.isFinite) {
            throw ValidationError("--alert-cooldown must be a number of seconds (0: every anomaly its own alert), got \(alertCooldown)")
        }
        // Below an hour, retention would delete alerts as their incidents run.
        if !(alertRetention == 0 || (alertRetention >= 1.0 / 24 && alertRetention.isFinite)) {
            throw ValidationError(
                "--alert-retention must be a number of days, at least an hour's (1/24), or 0 to keep every alert; got \(alertRetention)")
        }
        // Each save writes every service's state: more often than every 10 s is a busy loop.
        if !(stateSaveInterval == 0 || (stateSaveInterval >= 10 && stateSaveInterval.isFinite)) {
            throw ValidationError("--state-save-interval must be at least 10 seconds, or 0 to save only at shutdown; got \(stateSaveInterval)")
        }
        for property in kafkaProperties where Self.property(property) == nil {
            throw ValidationError("--kafka-property must be name=value, got '\(property)'")
        }
        if let alertKOfN, persistence(alertKOfN) == nil {
            throw ValidationError("--alert-k-of-n must be K/N with 1 ≤ K ≤ N ≤ 100, got '\(alertKOfN)'")
        }
        // The environment's settings are checked here too, so their errors show serve's usage.
        _ = try makeConfiguration()
    }

    private static func property(_ text: String) -> (name: String, value: String)? {
        guard let equals = text.firstIndex(of: "="), equals != text.startIndex else { return nil }
        return (String(text[..<equals]).trimmingCharacters(in: .whitespaces), String(text[text.index(after: equals)...]))
    }

    private func persistence(_ text: String) -> (k: Int, n: Int)? {
        let parts = text.split(separator: "/").compactMap { Int($0) }
        guard parts.count == 2, parts[0] >= 1, parts[0] <= parts[1], parts[1] <= 100 else { return nil }
        return (parts[0], parts[1])
    }

    func makeConfiguration(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ServerConfiguration {
        var configuration = ServerConfiguration()
        // An empty variable is as good as unset (a template left blank); an empty flag is a mistake.
        func variable(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        if host?.isEmpty == true { throw ValidationError("--host must not be empty") }
        if dataDir?.isEmpty == true { throw ValidationError("--data-dir must not be empty") }
        configuration.host = host ?? variable("HOST") ?? configuration.host
        if let port {
            configuration.port = port
        } else if let text = environment["PORT"] {
            guard let value = Int(text), (0...65535).contains(value) else { throw ValidationError("PORT must be a port number, got '\(text)'") }
            configuration.port = value
        }
        configuration.modelPath = model ?? variable("MODEL_PATH")
        configuration.dataDirectory = dataDir ?? variable("VIGIL_DATA_DIR") ?? configuration.dataDirectory
        if let token = environment["VIGIL_API_TOKEN"] {
            // A token read from a file often ends in a newline, which no client sends.
            let trimmed = token.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmed.isEmpty else {
                throw ValidationError("VIGIL_API_TOKEN is set but empty: give a token, or unset it to serve without one")
            }
            configuration.apiToken = trimmed
        }
        configuration.corsOrigins =
            corsOrigins.isEmpty
            ? (environment["VIGIL_CORS_ORIGINS"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } : corsOrigins
        // A browser sends `scheme://host[:port]`, never a path: an origin with one never matches.
        for origin in configuration.corsOrigins where origin != "*" {
            guard let scheme = origin.range(of: "://"), !origin[scheme.upperBound...].isEmpty, !origin[scheme.upperBound...].contains("/") else {
                throw ValidationError(
                    "--cors-origin (or VIGIL_CORS_ORIGINS) '\(origin)' is no origin: give scheme://host[:port], without a path or a final slash, or *"
                )
            }
        }
        configuration.bodyLimit = bodyLimit
        configuration.batchBodyLimit = batchBodyLimit
        configuration.staleness = staleness * 1000
        configuration.alertCooldown = alertCooldown * 1000
        configuration.stateSaveInterval = stateSaveInterval
        configuration.alertRetention = alertRetention * 86_400
        configuration.alertPersistence = alertKOfN.flatMap(persistence)
        configuration.requireModel = requireModel
        if let brokers = kafkaBrokers ?? environment["KAFKA_BROKER"].flatMap({ $0.isEmpty ? nil : $0 }) {
            var kafka = KafkaSettings(brokers: brokers)
            kafka.alertsTopic = alertsTopic
            kafka.metricsTopic = metricsTopic ?? environment["VIGIL_METRICS_TOPIC"].flatMap { $0.isEmpty ? nil : $0 }
            kafka.consumerGroup = consumerGroup
            kafka.deadLetterTopic = deadLetterTopic
            for (name, value) in kafkaProperties.compactMap(Self.property) { kafka.properties[name] = value }
            configuration.kafka = kafka
        } else if metricsTopic != nil || environment["VIGIL_METRICS_TOPIC"].map({ !$0.isEmpty }) == true {
            throw ValidationError("--metrics-topic (or VIGIL_METRICS_TOPIC) needs --kafka-brokers (or KAFKA_BROKER)")
        }
        return configuration
    }

    /// How long a graceful shutdown may take before what is left is cancelled.
    static let shutdownLimit: Duration = .seconds(8)

    func run() async throws {
        let configuration = try makeConfiguration()

        let format = VigilLogHandler.Format(rawValue: logFormat) ?? .text
        let level = Logger.Level(rawValue: logLevel) ?? .info
        let logger = Logger(label: "vigil") { label in
            var handler = VigilLogHandler(label: label, format: format)
            handler.logLevel = level
            return handler
        }
        do {
            try await serve(configuration, logger: logger)
        } catch  where format == .json && !(error is ExitCode) {
            // A log shipper reading JSON lines gets the reason as one too, not a plain "Error:" line.
            logger.critical("Vigil stopped: \(error)")
            throw ExitCode.failure
        }
    }

    /// Serves until a signal stops it; a failure to start (the alert store, the model with
    /// `--require-model`, the address) is thrown as a ``CommandFailure``.
    private func serve(_ configuration: ServerConfiguration, logger: Logger) async throws {
        let service = try VigilService(configuration: configuration, logger: logger)
        if requireModel, case .failure(let error) = service.loadModel() {
            throw CommandFailure("--require-model: \(error)")
        }
        let host = configuration.host
        let listening = OneWayFlag()
        let application = service.application { port in
            listening.raise()
            let access = configuration.apiToken == nil ? "no token required" : "a bearer token required but on the probes and docs"
            logger.info(
                "Vigil \(Vigil.version) listening on http://\(host):\(port) (API reference at /docs, dashboard at /dashboard; \(access))",
                metadata: BLAS.coreName.map { ["blas_kernels": "\($0)"] } ?? [:])
        }
        var groupConfiguration = ServiceGroupConfiguration(
            services: [application], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        // docker stop kills after 10 s: requests still in flight by then (a client that stopped
        // sending its body) are cut, so that the shutdown itself still completes.
        groupConfiguration.maximumGracefulShutdownDuration = Self.shutdownLimit
        let group = ServiceGroup(configuration: groupConfiguration)
        do {
            try await group.run()
        } catch {
            // Only a failure to start listening is about the address; a socket error later is not.
            if !listening.isRaised, let failure = VigilService.listenFailure(error, host: host, port: configuration.port) {
                throw CommandFailure(failure)
            }
            throw error
        }
        try service.pipeline.store.flush()
        logger.info("stopped; alert store flushed")
    }
}

import Foundation
public import Hummingbird
public import Logging
import NIOCore
public import VigilDetect
import VigilKafka

/// One Vigil service: the HTTP application, the detection pipeline behind it, the model loader
/// and the alert store, wired from a ``ServerConfiguration``.
public struct VigilService: Sendable {
    public let configuration: ServerConfiguration
    private var bodyLimits: BodyLimits { BodyLimits(body: configuration.bodyLimit, batchBody: configuration.batchBodyLimit) }
    public let pipeline: DetectionPipeline
    public let loader: ModelLoader
    public let logger: Logger
    /// The Kafka clients, when ``ServerConfiguration/kafka`` is set.
    let kafka: KafkaLink?

    /// Opens the alert store in the data directory; no model is loaded yet (see ``ModelStartup``).
    public init(configuration: ServerConfiguration, logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger
        self.loader = ModelLoader(
            configuredPath: configuration.modelPath, dataDirectory: configuration.dataDirectory, requireModel: configuration.requireModel)
        let store = try AlertStore(path: configuration.alertDatabasePath)
        var policy = AlertPolicy(cooldown: configuration.alertCooldown, persistence: configuration.alertPersistence)
        for incident in try store.openIncidents(limit: policy.capacity) {
            policy.resume(
                incident.alertID, service: incident.service, openedAt: incident.openedAt, lastSeen: incident.lastSeen, severity: incident.severity)
        }
        let pipeline = DetectionPipeline(
            models: ModelHolder(staleness: configuration.staleness), store: store, metrics: ServiceMetrics(), policy: policy, logger: logger,
            outboxEnabled: configuration.kafka != nil)
        self.pipeline = pipeline
        self.kafka = try configuration.kafka.map { settings throws(KafkaError) in
            try KafkaLink(settings: settings, pipeline: pipeline, logger: logger)
        }
    }

    /// Each service's saved state (windows, baselines, seasons) across restarts.
    var stateFile: ServiceStateFile { ServiceStateFile(path: configuration.serviceStatePath, logger: logger) }

    /// Loads the model bundle before the service starts (`--require-model`), with each service's
    /// saved state restored into it.
    public func loadModel() -> Result<ServingModel, BundleError> {
        loader.load(into: pipeline.models, logger: logger, prepare: stateFile.restore(into:))
    }

    /// What to tell the operator when the server cannot listen on `host:port` (the port taken, no
    /// permission, an address not this machine's); `nil` for any other error.
    public static func listenFailure(_ error: any Error, host: String, port: Int) -> String? {
        guard let error = error as? IOError else { return nil }
        let address = "cannot listen on \(host):\(port)"
        switch error.errnoCode {
        case EADDRINUSE: return "\(address): the port is in use by another process (choose another with --port or PORT)"
        case EACCES: return "\(address): permission denied (ports below 1024 need privileges; choose another with --port or PORT)"
        case EADDRNOTAVAIL: return "\(address): no interface of this machine has that address (--host or HOST)"
        default: return "\(address): \(String(cString: strerror(error.errnoCode)))"
        }
    }

    /// Every route with its methods, for 405 answers.
    static let routes: [String: [HTTPRequest.Method]] = [
        "/predict": [.post], "/api/v1/ml/detect": [.post], "/api/v1/ml/detect/batch": [.post], "/api/v1/ml/model-info": [.get, .head],
        "/api/v1/ml/model/reload": [.post], "/api/v1/ml/alerts": [.get, .head], "/health": [.get, .head], "/ready": [.get, .head],
        "/metrics": [.get, .head], "/openapi.json": [.get, .head], "/docs": [.get, .head], "/dashboard": [.get, .head],
        "/dashboard/alerts.json": [.get, .head], "/": [.get, .head],
    ]

    public func router() -> Router<BasicRequestContext> {
        // HEAD wherever GET is (RFC 9110): some health probes send it.
        let router = Router(options: .autoGenerateHeadEndpoints)
        router.add(middleware: RequestMetricsMiddleware(metrics: pipeline.metrics, routes: Set(Self.routes.keys)))
        if !configuration.corsOrigins.isEmpty { router.add(middleware: CORSMiddleware(origins: Set(configuration.corsOrigins))) }
        router.add(
            middleware: ErrorMiddleware(routes: Self.routes, limits: bodyLimits, logger: logger))
        if let token = configuration.apiToken, !token.isEmpty { router.add(middleware: AuthMiddleware(token: token)) }
        ScoringRoutes(pipeline: pipeline, configuration: configuration).register(on: router)
        let models = ModelRoutes(pipeline: pipeline, loader: loader, logger: logger)
        models.register(on: router)
        AlertRoutes(store: pipeline.store).register(on: router)
        let operations = OperationsRoutes(pipeline: pipeline, loader: loader, kafka: kafka)
        operations.register(on: router)
        DocumentationRoutes().register(on: router)
        DashboardRoutes(operations: operations, models: models, store: pipeline.store).register(on: router)
        return router
    }

    /// The HTTP application on the configured address, with the model start-up and SIGHUP reload
    /// services in its service group.
    public func application(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        Application(
            router: router(),
            server: .http1(
                configuration: .init(
                    additionalChannelHandlers: [
                        HTTP10ConnectionHandler.Installer(), ExpectContinueHandler(limits: bodyLimits), MalformedRequestHandler(),
                    ],
                    idleTimeout: TimeAmount(configuration.idleTimeout))),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "vigil"),
            services: [
                ModelStartup(
                    loader: loader, holder: pipeline.models, state: stateFile, saveInterval: configuration.stateSaveInterval, logger: logger),
                ReloadOnHangup(loader: loader, holder: pipeline.models, logger: logger),
            ]
                + (configuration.alertRetention > 0
                    ? [AlertRetention(store: pipeline.store, retention: configuration.alertRetention, logger: logger)] : [])
                + (kafka?.services(pipeline: pipeline, logger: logger) ?? []),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
            logger: logger)
    }
}

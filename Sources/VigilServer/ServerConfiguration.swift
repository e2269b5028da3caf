/// Everything `vigil serve` can be told, from flags or environment variables.
public struct ServerConfiguration: Sendable {
    /// `HOST`; `0.0.0.0` to listen on every interface (in a container).
    public var host = "127.0.0.1"
    /// `PORT`: the seed's ML service port.
    public var port = 3005
    /// `MODEL_PATH`: the bundle to serve; `nil` for `<dataDirectory>/model`.
    public var modelPath: String?
    /// `VIGIL_DATA_DIR`: the alert database and the default model live here.
    public var dataDirectory = "vigil-data"
    /// `VIGIL_API_TOKEN`: when set, `/api/…` and `/predict` need `Authorization: Bearer <token>`.
    public var apiToken: String?
    /// Origins allowed to call the API from a browser; empty turns CORS off.
    public var corsOrigins: [String] = []
    /// The largest request body accepted, in bytes.
    public var bodyLimit = 1 << 20
    /// The largest batch request body, in bytes: 10,000 metrics with tags need more than 1 MiB.
    public var batchBodyLimit = 16 << 20
    /// The most items in one batch request.
    public var batchLimit = 10_000
    /// How long a connection may send nothing, between requests or in the middle of one (a
    /// stalled upload), before it is closed.
    public var idleTimeout: Duration = .seconds(60)
    /// How old a feature value may get (event time, milliseconds) before it counts as missing.
    public var staleness: Double = 5 * 60 * 1000
    /// How long (milliseconds, event time) a service goes without an anomaly before its next one
    /// opens a new alert; until then its anomalies count on the open one (see ``AlertPolicy``).
    /// 15 minutes: above the common metric intervals (15 s to 5 minutes), so that an incident
    /// scraped every 5 minutes is still one alert.
    public var alertCooldown: Double = 15 * 60 * 1000
    /// Fire an alert only when k of a service's last n points were anomalous.
    public var alertPersistence: (k: Int, n: Int)?
    /// Refuse to start without a loadable bundle instead of training the synthetic default.
    public var requireModel = false
    /// Kafka, when brokers are given: alerts out, and metrics in when a metrics topic is set.
    public var kafka: KafkaSettings?

    public init() {}

    /// The alert database inside the data directory.
    public var alertDatabasePath: String { dataDirectory + "/alerts.sqlite" }

    /// Each service's windows, baselines and seasons, saved at shutdown and restored at start.
    public var serviceStatePath: String { dataDirectory + "/service-state.bin" }

    /// How often (seconds) the per-service state is also saved while running, so that a crash
    /// loses at most that much of it; 0 saves only at shutdown.
    public var stateSaveInterval: Double = 300
    /// Seconds an alert is kept after its last sighting, counted back from the newest sighting
    /// (or now, when earlier); 0 keeps every alert.
    public var alertRetention: Double = 90 * 86_400
}

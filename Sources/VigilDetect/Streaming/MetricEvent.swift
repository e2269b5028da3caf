/// One observation of one metric of one service: the seed's ML-service body
/// (`{timestamp, service, metric, value, tags?}`), validated.
public struct MetricEvent: Sendable, Hashable {
    /// Milliseconds since the Unix epoch.
    public var timestamp: Double
    public var service: String
    public var metric: String
    public var value: Double
    /// Other numeric readings carried along (the seed puts the other features here).
    public var tags: [String: Double]

    public init(timestamp: Double, service: String, metric: String, value: Double, tags: [String: Double] = [:]) {
        self.timestamp = timestamp
        self.service = service
        self.metric = metric
        self.value = value
        self.tags = tags
    }

    /// The largest magnitude accepted for a metric value, over HTTP, Kafka and in files alike:
    /// beyond it a squared error overflows the model's 32-bit arithmetic, and one such value
    /// in training would stretch its feature's scale until nothing else registers.
    public static let valueLimit = 1e12
    /// ``valueLimit`` as people write it, for messages.
    public static let valueLimitText = "1e12"

    /// The longest service or metric name accepted.
    public static let maximumNameLength = 128

    /// Why `name` cannot be a service or metric name, or `nil` when it can: 1–128 characters of
    /// letters, digits and `-_.:/`, so names are safe in logs, metrics labels and URLs.
    public static func nameProblem(_ name: String) -> String? {
        if name.isEmpty { return "must not be empty" }
        if name.utf8.count > maximumNameLength { return "must be at most \(maximumNameLength) characters" }
        let allowed = name.unicodeScalars.allSatisfy { scalar in
            switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9", "-", "_", ".", ":", "/": true
            default: false
            }
        }
        return allowed ? nil : "may contain only letters, digits and - _ . : /"
    }
}

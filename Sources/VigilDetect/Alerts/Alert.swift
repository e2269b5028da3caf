/// How urgent an alert is, from the prediction's confidence as in the seed:
/// above 0.9 critical, above 0.7 high, else medium.
public enum Severity: String, Sendable, Codable, CaseIterable, Comparable {
    case medium, high, critical

    public init(confidence: Double) {
        self = confidence > 0.9 ? .critical : confidence > 0.7 ? .high : .medium
    }

    public static func < (lhs: Severity, rhs: Severity) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// An anomalous prediction turned into something an operator acts on: the seed's alert
/// (`id, title, description, severity, source, service, timestamp, metadata`) plus the
/// features that contributed most and how often it repeated within its cooldown.
public struct Alert: Sendable, Equatable, Codable {
    public struct Metadata: Sendable, Equatable, Codable {
        public var anomalyScore: Double
        public var confidence: Double
        public var metric: String
        public var value: Double
        public var modelType: String
    }

    public struct Contribution: Sendable, Equatable, Codable {
        public var feature: String
        /// The feature's share of the error (or of the range excesses for the fallback).
        public var share: Double
    }

    public var id: String
    public var title: String
    public var description: String
    public var severity: Severity
    public var source: String
    public var service: String
    /// The triggering event's time, milliseconds since the epoch.
    public var timestamp: Double
    public var metadata: Metadata
    public var topFeatures: [Contribution]
    /// How many anomalous predictions this alert stands for (1 + repeats within the cooldown).
    public var count: Int
    /// The latest repeat's time, milliseconds since the epoch.
    public var lastSeen: Double
    /// How often the alert escalated: 0 when it opens, one more each time a more severe anomaly
    /// rewrites it. Kafka consumers keep the highest revision of each id.
    public var revision: Int

    enum CodingKeys: String, CodingKey {
        case id, title, description, severity, source, service, timestamp, metadata, count, revision
        case topFeatures = "top_features"
        case lastSeen = "last_seen"
    }

    /// Reads an alert; one stored before alerts had revisions is revision 0.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        title = try container.decode(String.self, forKey: .title)
        description = try container.decode(String.self, forKey: .description)
        severity = try container.decode(Severity.self, forKey: .severity)
        source = try container.decode(String.self, forKey: .source)
        service = try container.decode(String.self, forKey: .service)
        timestamp = try container.decode(Double.self, forKey: .timestamp)
        metadata = try container.decode(Metadata.self, forKey: .metadata)
        topFeatures = try container.decode([Contribution].self, forKey: .topFeatures)
        count = try container.decode(Int.self, forKey: .count)
        lastSeen = try container.decode(Double.self, forKey: .lastSeen)
        revision = try container.decodeIfPresent(Int.self, forKey: .revision) ?? 0
    }

    /// The alert for an anomalous `score` of `event` (`metric`/`value` name what triggered it).
    public init(id: String, event: MetricEvent, score: Score, features: [String], modelType: String) {
        let ranked = zip(features, score.featureScores).sorted { $0.1 > $1.1 }.prefix(3)
        self.id = id
        self.title = "Anomaly detected in \(event.service)"
        let drivers = ranked.map { "\($0.0) \(Int(($0.1 * 100).rounded()))%" }.joined(separator: ", ")
        let value = event.value.rounded() == event.value && abs(event.value) < 1e15 ? String(Int64(event.value)) : "\(event.value)"
        self.description = "Metric \(event.metric) shows anomalous value: \(value)" + (drivers.isEmpty ? "" : " (largest contributions: \(drivers))")
        self.severity = Severity(confidence: score.confidence)
        self.source = "vigil"
        self.service = event.service
        self.timestamp = event.timestamp
        self.metadata = Metadata(
            anomalyScore: score.anomalyScore, confidence: score.confidence, metric: event.metric, value: event.value, modelType: modelType)
        self.topFeatures = ranked.map { Contribution(feature: $0.0, share: $0.1) }
        self.count = 1
        self.lastSeen = event.timestamp
        self.revision = 0
    }
}

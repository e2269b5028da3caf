/// How Vigil talks to Kafka: `--kafka-brokers` (or `KAFKA_BROKER`, as in the seed) and topics.
public struct KafkaSettings: Sendable {
    /// `host:port[,host:port…]`.
    public var brokers: String
    /// Alerts go here, keyed by service, as the seed's alert JSON.
    public var alertsTopic = "alerts"
    /// Metrics are consumed from here when set.
    public var metricsTopic: String?
    /// The seed's consumer group.
    public var consumerGroup = "ml-processing-group"
    /// Messages that cannot be decoded go here, with the reason in the `vigil-error` header.
    public var deadLetterTopic = "metrics.dlq"
    /// Extra librdkafka properties for every client (`security.protocol`, `sasl.*`, …).
    public var properties: [String: String] = [:]

    public init(brokers: String) {
        self.brokers = brokers
    }
}

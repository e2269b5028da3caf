import CRdKafka

/// A Kafka operation that failed, with librdkafka's error name and description.
public struct KafkaError: Error, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// A configuration property was refused.
        case configuration(property: String)
        /// The client could not be created.
        case client
        /// A message could not be queued or was not delivered.
        case delivery
        /// Consuming, committing or storing offsets failed.
        case consumer
        /// The mock cluster could not be set up.
        case mock
    }

    public var kind: Kind
    /// librdkafka's error code (`rd_kafka_resp_err_t`), or 0 when the failure has none.
    public var code: Int32
    public var message: String

    public init(_ kind: Kind, code: Int32 = 0, message: String) {
        self.kind = kind
        self.code = code
        self.message = message
    }

    init(_ kind: Kind, error: rd_kafka_resp_err_t, context: String) {
        self.init(kind, code: error.rawValue, message: "\(context): \(String(cString: rd_kafka_err2str(error)))")
    }

    public var description: String {
        switch kind {
        case .configuration(let property): "Kafka configuration '\(property)': \(message)"
        default: "Kafka: \(message)"
        }
    }

    /// Whether the message is larger than the producer's `message.max.bytes` or the broker's
    /// limit: no retry of the same message can succeed.
    public var isMessageTooLarge: Bool {
        code == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE.rawValue
    }

    /// Whether a retry may succeed (a broker outage, a timeout, a full queue).
    public var isRetriable: Bool {
        code == RD_KAFKA_RESP_ERR__MSG_TIMED_OUT.rawValue || code == RD_KAFKA_RESP_ERR__TRANSPORT.rawValue
            || code == RD_KAFKA_RESP_ERR__QUEUE_FULL.rawValue || code == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN.rawValue
            || code == RD_KAFKA_RESP_ERR__TIMED_OUT.rawValue
    }
}

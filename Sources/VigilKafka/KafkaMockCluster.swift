import CRdKafka

/// librdkafka's built-in mock cluster: a Kafka-protocol cluster on loopback, so tests (and the
/// benchmark) need no Kafka installation. Other processes (kcat, confluent-kafka) can connect to
/// ``bootstrapServers`` too. The cluster lives as long as this object.
public final class KafkaMockCluster: @unchecked Sendable {
    private let host: OpaquePointer
    private let cluster: OpaquePointer
    /// `host:port,…` of the mock brokers.
    public let bootstrapServers: String

    public init(brokers: Int = 1) throws(KafkaError) {
        // Errors only: the host client has no bootstrap servers, which librdkafka warns about.
        let conf = try KafkaConfiguration(bootstrapServers: "", properties: ["client.id": "vigil-mock-host", "log_level": "3"]).makeConf()
        rd_kafka_conf_set(conf, "bootstrap.servers", nil, nil, 0)
        host = try makeClient(RD_KAFKA_PRODUCER, conf: conf)
        guard let cluster = rd_kafka_mock_cluster_new(host, Int32(brokers)) else {
            rd_kafka_destroy(host)
            throw KafkaError(.mock, message: "the mock cluster could not be started")
        }
        self.cluster = cluster
        bootstrapServers = String(cString: rd_kafka_mock_cluster_bootstraps(cluster))
    }

    deinit {
        rd_kafka_mock_cluster_destroy(cluster)
        rd_kafka_destroy(host)
    }

    /// Creates `topic` with `partitions` partitions (topics are otherwise auto-created with 4).
    public func createTopic(_ topic: String, partitions: Int, replicationFactor: Int = 1) throws(KafkaError) {
        // librdkafka asserts (the process aborts) on a count below 1.
        guard partitions >= 1, replicationFactor >= 1, partitions <= Int(Int32.max) else {
            throw KafkaError(.mock, message: "cannot create \(topic): it needs at least one partition and one replica")
        }
        let error = rd_kafka_mock_topic_create(cluster, topic, Int32(partitions), Int32(replicationFactor))
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(.mock, error: error, context: "cannot create \(topic)") }
    }

    /// Takes broker `id` (1-based) down: connections to it are refused until ``setBrokerUp(_:)``.
    public func setBrokerDown(_ id: Int32) {
        rd_kafka_mock_broker_set_down(cluster, id)
    }

    public func setBrokerUp(_ id: Int32) {
        rd_kafka_mock_broker_set_up(cluster, id)
    }
}

import CRdKafka

/// librdkafka properties (see its CONFIGURATION.md), with Vigil's defaults for each client kind.
public struct KafkaConfiguration: Sendable, Equatable {
    public var properties: [String: String]
    /// How often a client asks its brokers for metadata while its ``BrokerState`` is not
    /// `connected` (see ``BrokerWatch``).
    public var brokerProbeInterval: Duration = .seconds(5)

    public init(bootstrapServers: String, properties: [String: String] = [:]) {
        self.properties = ["bootstrap.servers": bootstrapServers, "client.id": "vigil"].merging(properties) { $1 }
    }

    public subscript(property: String) -> String? {
        get { properties[property] }
        set { properties[property] = newValue }
    }

    /// A new `rd_kafka_conf_t` holding the properties; the caller owns it.
    func makeConf() throws(KafkaError) -> OpaquePointer {
        let conf = rd_kafka_conf_new()!
        var buffer = [CChar](repeating: 0, count: 512)
        for (key, value) in properties.sorted(by: { $0.key < $1.key }) {
            if rd_kafka_conf_set(conf, key, value, &buffer, buffer.count) != RD_KAFKA_CONF_OK {
                rd_kafka_conf_destroy(conf)
                throw KafkaError(.configuration(property: key), message: text(of: buffer))
            }
        }
        return conf
    }
}

/// Creates a client from `conf` (consumed on success, destroyed on failure).
func makeClient(_ type: rd_kafka_type_t, conf: OpaquePointer) throws(KafkaError) -> OpaquePointer {
    var buffer = [CChar](repeating: 0, count: 512)
    guard let handle = rd_kafka_new(type, conf, &buffer, buffer.count) else {
        rd_kafka_conf_destroy(conf)
        throw KafkaError(.client, message: text(of: buffer))
    }
    return handle
}

/// The NUL-terminated text librdkafka wrote into an error buffer.
private func text(of buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

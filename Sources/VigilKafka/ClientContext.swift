import CRdKafka

/// A client's opaque object, its C callbacks' context: it takes the client's log lines and
/// learns when every broker is down. Kept alive as long as the client (see ``ClientHandle``).
protocol ClientContext: AnyObject, Sendable {
    var log: KafkaLogHandler? { get }
    var broker: BrokerStateBox { get }
}

extension ClientContext {
    /// Sends `conf`'s log lines to ``log`` (when there is a handler) and its all-brokers-down
    /// errors to ``broker``. `conf`'s opaque must be this object.
    func installCallbacks(on conf: OpaquePointer) {
        rd_kafka_conf_set_error_cb(conf) { _, error, _, opaque in
            guard let opaque, Int32(error) == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN.rawValue,
                let context = Unmanaged<AnyObject>.fromOpaque(opaque).takeUnretainedValue() as? any ClientContext
            else { return }
            context.broker.allBrokersDown()
        }
        guard log != nil else { return }
        rd_kafka_conf_set_log_cb(conf) { client, severity, facility, text in
            guard let client, let opaque = rd_kafka_opaque(client),
                let context = Unmanaged<AnyObject>.fromOpaque(opaque).takeUnretainedValue() as? any ClientContext,
                let log = context.log
            else { return }
            log(
                KafkaLogRecord(
                    severity: severity, facility: facility.map { String(cString: $0) } ?? "",
                    client: String(cString: rd_kafka_name(client)), message: text.map { String(cString: $0) } ?? ""))
        }
    }
}

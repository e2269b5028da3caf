import CRdKafka

/// One line librdkafka logs, handed to the application's logger instead of being printed: by
/// itself librdkafka writes `%3|…|FAIL|…` lines to standard error, past any structured format.
public struct KafkaLogRecord: Sendable, Equatable {
    /// The syslog severity: 0–2 critical, 3 error, 4 warning, 5 notice, 6 info, 7 debug.
    public var severity: Int32
    /// librdkafka's facility (`FAIL`, `CONFWARN`, `REQTMOUT`, …).
    public var facility: String
    /// The client's name (`vigil#producer-1`).
    public var client: String
    public var message: String

    public init(severity: Int32, facility: String, client: String, message: String) {
        self.severity = severity
        self.facility = facility
        self.client = client
        self.message = message
    }
}

/// Receives librdkafka's log lines, from its own threads.
public typealias KafkaLogHandler = @Sendable (KafkaLogRecord) -> Void

/// A client's opaque object (its C callbacks' context) that can take its log lines.
protocol KafkaLogging: AnyObject, Sendable {
    var log: KafkaLogHandler? { get }
}

extension KafkaLogging {
    /// Sends `conf`'s log lines to ``log``, when there is a handler. `conf`'s opaque must be this
    /// object, kept alive as long as the client (see ``ClientHandle``).
    func installLog(on conf: OpaquePointer) {
        guard log != nil else { return }
        rd_kafka_conf_set_log_cb(conf) { client, severity, facility, text in
            guard let client, let opaque = rd_kafka_opaque(client),
                let logging = Unmanaged<AnyObject>.fromOpaque(opaque).takeUnretainedValue() as? any KafkaLogging,
                let log = logging.log
            else { return }
            log(
                KafkaLogRecord(
                    severity: severity, facility: facility.map { String(cString: $0) } ?? "",
                    client: String(cString: rd_kafka_name(client)), message: text.map { String(cString: $0) } ?? ""))
        }
    }
}

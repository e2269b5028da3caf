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

import Logging
import ServiceLifecycle
import VigilDetect
import VigilKafka

/// Vigil's Kafka clients and the services that drive them, when Kafka is configured.
struct KafkaLink: Sendable {
    let settings: KafkaSettings
    let producer: KafkaProducer
    let consumer: KafkaConsumer?
    let partitionServices = PartitionServices()
    /// What keeps the consumer from going on, while something does.
    let consumerStall = ConsumerStall()
    /// Raised when the consumer leaves the group because the service stops (read by the
    /// revocation callback, which librdkafka calls on its own thread).
    let leaving = OneWayFlag()

    init(settings: KafkaSettings, pipeline: DetectionPipeline, logger: Logger) throws(KafkaError) {
        self.settings = settings
        let base = KafkaConfiguration(bootstrapServers: settings.brokers, properties: settings.properties)
        let log = Self.logHandler(logger)
        producer = try KafkaProducer(configuration: base, log: log)
        if let topic = settings.metricsTopic {
            var configuration = base
            configuration["group.id"] = settings.consumerGroup
            // librdkafka prefetches up to 64 MiB per consumer by default. Half of that still keeps
            // the scorer fed: once the queue passes the cap, librdkafka pauses fetching until it
            // next reconsiders, and at 8 MiB the consumer sat idle for much of that pause.
            if configuration["queued.max.messages.kbytes"] == nil { configuration["queued.max.messages.kbytes"] = "32768" }
            let services = partitionServices
            let leaving = leaving
            consumer = try KafkaConsumer(configuration: configuration, topics: [topic], log: log) { revoked in
                // Leaving at shutdown: the state is saved for the next start, which most likely
                // gets the same partitions back (a deploy); one that does not just never uses it.
                guard !leaving.isRaised else {
                    logger.info(
                        "Kafka partitions released at shutdown; per-service state kept",
                        metadata: ["partitions": "\(MetricsConsumer.describe(revoked))"])
                    return
                }
                let forgotten = services.revoke(revoked)
                pipeline.forget(services: forgotten)
                logger.info(
                    "Kafka partitions revoked; per-service state dropped",
                    metadata: ["partitions": "\(MetricsConsumer.describe(revoked))", "services": .stringConvertible(forgotten.count)])
            }
        } else {
            consumer = nil
        }
    }

    /// librdkafka's log lines through Vigil's logger (so `--log-format json` stays JSON), at the
    /// level of their syslog severity.
    static func logHandler(_ logger: Logger) -> KafkaLogHandler {
        { record in
            let level: Logger.Level =
                switch record.severity {
                case ...2: .critical
                case 3: .error
                case 4: .warning
                case 5: .notice
                case 6: .info
                default: .debug
                }
            logger.log(
                level: level, "Kafka: \(record.message)", metadata: ["librdkafka": "\(record.facility)", "client": "\(record.client)"])
        }
    }

    func services(pipeline: DetectionPipeline, logger: Logger) -> [any Service] {
        var services: [any Service] = [
            AlertPublisher(
                producer: producer, store: pipeline.store, topic: settings.alertsTopic, signal: pipeline.outboxSignal.stream,
                wake: pipeline.outboxSignal.continuation,
                metrics: pipeline.metrics,
                logger: logger)
        ]
        if let consumer {
            services.append(
                MetricsConsumer(
                    consumer: consumer, producer: producer, pipeline: pipeline, settings: settings, services: partitionServices,
                    stall: consumerStall, leaving: leaving, logger: logger))
        }
        return services
    }

    /// `/health`'s view of Kafka: whether the brokers are out of reach, and what keeps the
    /// consumer from going on. Neither takes the service out of `/ready`: the HTTP API still
    /// works, alerts wait on disk, and every replica would drop out at once.
    func status(outbox: Int) -> (unreachable: Bool, stalled: String?, json: String) {
        let producerState = producer.brokerState
        var text = "{\"producer\":\(JSONText.string(producerState.description)),\"alerts_topic\":\(JSONText.string(settings.alertsTopic))"
        text += ",\"outbox_pending\":\(outbox),\"producer_queue\":\(producer.queueDepth)"
        var unreachable = producerState == .connecting && outbox > 0
        if case .failing = producerState { unreachable = true }
        var stalled: String?
        if let consumer {
            let consumerState = consumer.brokerState
            text += ",\"consumer\":\(JSONText.string(consumerState.description)),\"metrics_topic\":\(JSONText.string(settings.metricsTopic ?? ""))"
            text += ",\"group\":\(JSONText.string(settings.consumerGroup)),\"assigned_partitions\":\(consumer.assignment.count)"
            if case .failing = consumerState { unreachable = true }
            stalled = consumerStall.problem
            if let stalled { text += ",\"consumer_stalled\":\(JSONText.string(stalled))" }
        }
        return (unreachable, stalled, text + "}")
    }
}

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

    init(settings: KafkaSettings, pipeline: DetectionPipeline, logger: Logger) throws(KafkaError) {
        self.settings = settings
        let base = KafkaConfiguration(bootstrapServers: settings.brokers, properties: settings.properties)
        producer = try KafkaProducer(configuration: base)
        if let topic = settings.metricsTopic {
            var configuration = base
            configuration["group.id"] = settings.consumerGroup
            // librdkafka prefetches up to 64 MiB per consumer by default. Half of that still keeps
            // the scorer fed: once the queue passes the cap, librdkafka pauses fetching until it
            // next reconsiders, and at 8 MiB the consumer sat idle for much of that pause.
            if configuration["queued.max.messages.kbytes"] == nil { configuration["queued.max.messages.kbytes"] = "32768" }
            let services = partitionServices
            consumer = try KafkaConsumer(configuration: configuration, topics: [topic]) { revoked in
                let forgotten = services.revoke(revoked)
                pipeline.forget(services: forgotten)
                logger.info(
                    "partitions revoked; per-service state dropped", metadata: ["partitions": "\(revoked.count)", "services": "\(forgotten.count)"])
            }
        } else {
            consumer = nil
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
                    consumer: consumer, producer: producer, pipeline: pipeline, settings: settings, services: partitionServices, logger: logger))
        }
        return services
    }

    /// `/health`'s view of Kafka, and whether it works.
    func status(outbox: Int) -> (ok: Bool, json: String) {
        let producerState = producer.brokerState
        var text = "{\"producer\":\(JSONText.string(producerState.description)),\"alerts_topic\":\(JSONText.string(settings.alertsTopic))"
        text += ",\"outbox_pending\":\(outbox),\"producer_queue\":\(producer.queueDepth)"
        var ok = producerState != .connecting || outbox == 0
        if case .failing = producerState { ok = false }
        if let consumer {
            let consumerState = consumer.brokerState
            text += ",\"consumer\":\(JSONText.string(consumerState.description)),\"metrics_topic\":\(JSONText.string(settings.metricsTopic ?? ""))"
            text += ",\"group\":\(JSONText.string(settings.consumerGroup)),\"assigned_partitions\":\(consumer.assignment.count)"
            if case .failing = consumerState { ok = false }
        }
        return (ok, text + "}")
    }
}

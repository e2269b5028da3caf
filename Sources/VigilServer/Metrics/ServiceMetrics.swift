import Foundation
public import Prometheus
import Synchronization
import VigilDetect
import VigilKafka

/// Vigil's Prometheus metrics, in a registry of its own (no process-wide metrics bootstrap), and
/// their text exposition for `GET /metrics`.
public final class ServiceMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    /// The label values, generation and gauge of the model last reported, to unregister its series
    /// when a later model takes over.
    private let servedModel = Mutex<(labels: [String], generation: Int, gauge: Gauge)?>(nil)
    /// The services `vigil_anomalies_total` has a series of (at most ``labelledServices``).
    private let anomalyServices = Mutex<Set<String>>([])
    /// How many services get their own anomaly series; the others share `service="(other)"` (no
    /// service can have that name: parentheses are not allowed in one), so
    /// that clients naming ever new services cannot grow the exposition without end.
    static let labelledServices = 1000
    /// The consumer-lag gauges last reported, one per partition.
    private let lagGauges = Mutex<[KafkaPartition: Gauge]>([:])
    private let durationBuckets: [Duration] = [
        .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2),
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(100), .milliseconds(500), .seconds(1),
    ]

    /// Counters with fixed labels, made once: the per-message paths then skip the registry
    /// lookup, and each series is there (at 0) before its first event, for `increase()` to see it.
    private let predictionCounters: [String: Counter]
    private let kafkaMessageCounters: [String: Counter]
    private let kafkaMisKeyedCounter: Counter
    private let alertsOpenedCounters: [String: Counter]
    private let alertsEscalatedCounters: [String: Counter]
    private let kafkaDeliveryCounters: [String: Counter]
    private let storeFailureCounter: Counter

    public init() {
        predictionCounters = Self.counters(
            in: registry, .init(metricName: "vigil_predictions", unitName: "total", helpText: "Vectors scored"), label: "model_type",
            values: ["autoencoder", "fallback"])
        kafkaMessageCounters = Self.counters(
            in: registry, .init(metricName: "vigil_kafka_messages", unitName: "total", helpText: "Metric messages consumed from Kafka"),
            label: "result", values: ["processed", "dead_lettered"])
        kafkaMisKeyedCounter = registry.makeCounter(
            descriptor: .init(
                metricName: "vigil_kafka_miskeyed_messages", unitName: "total", helpText: "Metric messages whose Kafka key is not their service"))
        let severities = Severity.allCases.map(\.rawValue)
        alertsOpenedCounters = Self.counters(
            in: registry, .init(metricName: "vigil_alerts_opened", unitName: "total", helpText: "Alerts opened"), label: "severity",
            values: severities)
        alertsEscalatedCounters = Self.counters(
            in: registry,
            .init(metricName: "vigil_alerts_escalated", unitName: "total", helpText: "Open alerts escalated to a higher severity"),
            label: "severity", values: severities)
        kafkaDeliveryCounters = Self.counters(
            in: registry,
            .init(metricName: "vigil_kafka_alert_deliveries", unitName: "total", helpText: "Alert delivery reports from Kafka"),
            label: "result", values: ["delivered", "failed"])
        storeFailureCounter = registry.makeCounter(
            descriptor: .init(metricName: "vigil_alert_store_failures", unitName: "total", helpText: "Alert writes the store refused"))
    }

    /// One counter of `descriptor` per value of its single `label`, keyed by that value.
    private static func counters(
        in registry: PrometheusCollectorRegistry, _ descriptor: MetricNameDescriptor, label: String, values: [String]
    ) -> [String: Counter] {
        Dictionary(uniqueKeysWithValues: values.map { ($0, registry.makeCounter(descriptor: descriptor, labels: [(label, $0)])) })
    }

    /// Counts one answered request and its latency, by route template, method and status.
    func recordRequest(route: String, method: String, status: Int, duration: Duration) {
        registry.makeCounter(
            descriptor: .init(metricName: "vigil_http_requests", unitName: "total", helpText: "HTTP requests answered"),
            labels: [("route", route), ("method", method), ("status", String(status))]
        ).increment()
        registry.makeDurationHistogram(
            descriptor: .init(metricName: "vigil_http_request_duration", unitName: "seconds", helpText: "HTTP request latency"),
            labels: [("route", route), ("method", method)], buckets: durationBuckets
        ).record(duration)
    }

    /// Counts scored vectors, by model type (`autoencoder` or `fallback`).
    func recordPredictions(_ count: Int, modelType: String) {
        predictionCounters[modelType]?.increment(by: Int64(count))
    }

    /// The service label of anomalies in scored vectors (`/predict`, a batch's vectors).
    static let vectorService = "(vector)"

    /// Counts an anomalous prediction of `service` with its severity (under `(other)` once
    /// ``labelledServices`` services have their own series).
    func recordAnomaly(service: String, severity: Severity) {
        let label = anomalyServices.withLock { services in
            if service == Self.vectorService || services.contains(service) { return service }
            guard services.count < Self.labelledServices else { return "(other)" }
            services.insert(service)
            return service
        }
        registry.makeCounter(
            descriptor: .init(metricName: "vigil_anomalies", unitName: "total", helpText: "Anomalous predictions"),
            labels: [("service", label), ("severity", severity.rawValue)]
        ).increment()
    }

    /// Counts alerts opened (not repeats).
    func recordAlertOpened(severity: Severity) {
        alertsOpenedCounters[severity.rawValue]?.increment()
    }

    /// Counts escalations of open alerts, by the severity reached.
    func recordAlertEscalated(severity: Severity) {
        alertsEscalatedCounters[severity.rawValue]?.increment()
    }

    /// Counts alert deliveries to Kafka, by outcome.
    func recordKafkaDelivery(success: Bool) {
        kafkaDeliveryCounters[success ? "delivered" : "failed"]?.increment()
    }

    /// Counts metric messages consumed from Kafka, by outcome (`processed`, `dead_lettered`).
    func recordKafkaMessages(_ count: Int, result: String) {
        kafkaMessageCounters[result]?.increment(by: Int64(count))
    }

    /// Sets the gauges an operator alerts on: whether the latest model load or reload failed
    /// (the previous model, or the fallback, serving meanwhile) and whether the alert store can
    /// write.
    func recordState(modelLoadFailed: Bool, storeWritable: Bool) {
        registry.makeGauge(
            descriptor: .init(
                metricName: "vigil_model_load_failed", unitName: "", helpText: "1 when the latest model load or reload failed, until one succeeds")
        ).set(Double(modelLoadFailed ? 1 : 0))
        registry.makeGauge(
            descriptor: .init(metricName: "vigil_alert_store_writable", unitName: "", helpText: "0 while the alert store's latest write failed")
        ).set(Double(storeWritable ? 1 : 0))
    }

    /// Sets whether the Kafka clients reach their brokers (1: connected) and whether the
    /// consumer is stalled on a message (1: retrying; see `/health`'s `kafka.consumer_stalled`).
    func recordKafkaState(producerConnected: Bool, consumerConnected: Bool?, consumerStalled: Bool) {
        let descriptor = MetricNameDescriptor(metricName: "vigil_kafka_connected", unitName: "", helpText: "1 when the client's brokers answer")
        registry.makeGauge(descriptor: descriptor, labels: [("client", "producer")]).set(Double(producerConnected ? 1 : 0))
        if let consumerConnected {
            registry.makeGauge(descriptor: descriptor, labels: [("client", "consumer")]).set(Double(consumerConnected ? 1 : 0))
            registry.makeGauge(
                descriptor: .init(
                    metricName: "vigil_kafka_consumer_stalled", unitName: "", helpText: "1 while the consumer retries instead of going on")
            ).set(Double(consumerStalled ? 1 : 0))
        }
    }

    /// Counts batches whose alerts the store refused (a full disk, a read-only file system).
    func recordStoreFailure() {
        storeFailureCounter.increment()
    }

    /// Counts metric messages whose Kafka key is not their service (see `MessageKeyCheck`).
    func recordKafkaMisKeyed(_ count: Int) {
        kafkaMisKeyedCounter.increment(by: Int64(count))
    }

    /// Sets the Kafka gauges: producer queue, outbox backlog and consumer lag per partition.
    /// `lag` may lack partitions of `assigned` (their committed offset not known in time): those
    /// keep the value last reported, so that a slow query does not cut the series.
    func recordKafka(queueDepth: Int, outbox: Int, lag: [KafkaPartition: Int64], assigned: [KafkaPartition]) {
        registry.makeGauge(
            descriptor: .init(metricName: "vigil_kafka_producer_queue", unitName: "messages", helpText: "Messages queued in librdkafka")
        )
        .set(Double(queueDepth))
        registry.makeGauge(
            descriptor: .init(metricName: "vigil_kafka_outbox", unitName: "alerts", helpText: "Alerts waiting for Kafka's delivery report")
        )
        .set(Double(outbox))
        let descriptor = MetricNameDescriptor(
            metricName: "vigil_kafka_consumer_lag", unitName: "messages", helpText: "Messages behind the high watermark")
        let owned = Set(assigned)
        // A partition this member no longer reads is not reported: its new owner reports it, and
        // a stale series would count it twice.
        let gone = lagGauges.withLock { gauges in
            for (partition, value) in lag where owned.contains(partition) {
                let gauge =
                    gauges[partition]
                    ?? registry.makeGauge(descriptor: descriptor, labels: [("topic", partition.topic), ("partition", String(partition.partition))])
                gauge.set(Double(value))
                gauges[partition] = gauge
            }
            let gone = gauges.filter { !owned.contains($0.key) }
            for partition in gone.keys { gauges[partition] = nil }
            return gone.values
        }
        for gauge in gone { registry.unregisterGauge(gauge) }
    }

    /// The text exposition format, with `vigil_model_info{version, source, model_type} 1` for the
    /// model in service (only for it: a model served before leaves no series behind) and
    /// `vigil_model_generation`.
    func exposition(model: ServingModel?) -> [UInt8] {
        let labels = [
            ("version", model?.version ?? "none"), ("source", model?.source.rawValue ?? "none"),
            ("model_type", model == nil ? "fallback" : "autoencoder"),
        ]
        let generation = model?.generation ?? 0
        let descriptor = MetricNameDescriptor(metricName: "vigil_model", unitName: "info", helpText: "The model in service (value 1)")
        let gauge = registry.makeGauge(descriptor: descriptor, labels: labels)
        gauge.set(Double(1))
        // Two scrapes racing a reload: the later model wins, whichever scrape comes last.
        let (replaced, stale): (Gauge?, Bool) = servedModel.withLock { served in
            let values = labels.map(\.1)
            guard let current = served else {
                served = (values, generation, gauge)
                return (nil, false)
            }
            if current.generation > generation { return (current.labels == values ? nil : gauge, true) }
            served = (values, generation, gauge)
            return (current.labels == values ? nil : current.gauge, false)
        }
        if let replaced { registry.unregisterGauge(replaced) }
        if !stale {
            registry.makeGauge(descriptor: .init(metricName: "vigil_model", unitName: "generation", helpText: "Model loads so far"))
                .set(Double(generation))
        }
        return registry.emitToBuffer()
    }
}

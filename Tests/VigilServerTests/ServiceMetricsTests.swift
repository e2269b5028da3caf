import Testing
import VigilKafka

@testable import VigilServer

/// The Prometheus gauges Vigil sets itself.
@Suite struct ServiceMetricsTests {
    let first = KafkaPartition(topic: "metrics", partition: 0)
    let second = KafkaPartition(topic: "metrics", partition: 1)
    let metrics = ServiceMetrics()

    func exposition() -> String { String(decoding: metrics.exposition(model: nil), as: UTF8.self) }

    /// A partition this member no longer owns (revoked by a rebalance) leaves the exposition:
    /// its new owner reports it, and a stale series would count its lag twice.
    @Test func lagOfAPartitionNoLongerOwnedIsRemoved() {
        metrics.recordKafka(queueDepth: 0, outbox: 0, lag: [first: 3, second: 187], assigned: [first, second])
        #expect(exposition().contains("vigil_kafka_consumer_lag_messages{topic=\"metrics\",partition=\"1\"} 187"))
        metrics.recordKafka(queueDepth: 0, outbox: 0, lag: [first: 4], assigned: [first])
        #expect(exposition().contains("vigil_kafka_consumer_lag_messages{topic=\"metrics\",partition=\"0\"} 4"))
        #expect(!exposition().contains("partition=\"1\""))
        metrics.recordKafka(queueDepth: 0, outbox: 0, lag: [first: 0, second: 5], assigned: [first, second])
        #expect(exposition().contains("vigil_kafka_consumer_lag_messages{topic=\"metrics\",partition=\"1\"} 5"))
    }

    /// A partition still owned whose lag is unknown this time (its committed offset did not come
    /// in time) keeps the value last reported instead of leaving a gap in the series.
    @Test func lagNotKnownThisTimeKeepsTheLastValue() {
        metrics.recordKafka(queueDepth: 0, outbox: 0, lag: [first: 3, second: 187], assigned: [first, second])
        metrics.recordKafka(queueDepth: 0, outbox: 0, lag: [first: 4], assigned: [first, second])
        #expect(exposition().contains("vigil_kafka_consumer_lag_messages{topic=\"metrics\",partition=\"0\"} 4"))
        #expect(exposition().contains("vigil_kafka_consumer_lag_messages{topic=\"metrics\",partition=\"1\"} 187"))
    }

    /// Clients naming ever new services do not grow the exposition without end.
    @Test func anomaliesOfServicesBeyondTheLimitShareOneSeries() {
        for index in 0..<(ServiceMetrics.labelledServices + 5) { metrics.recordAnomaly(service: "svc-\(index)", severity: .high) }
        metrics.recordAnomaly(service: "svc-0", severity: .high)
        let text = exposition()
        #expect(text.contains("vigil_anomalies_total{service=\"svc-0\",severity=\"high\"} 2"))
        #expect(text.contains("vigil_anomalies_total{service=\"(other)\",severity=\"high\"} 5"))
        #expect(!text.contains("service=\"svc-\(ServiceMetrics.labelledServices)\""))
    }
}

import Testing
import VigilKafka

@testable import VigilServer

/// The Prometheus gauges Vigil sets itself.
@Suite struct ServiceMetricsTests {
    /// A partition this member stops reporting (revoked by a rebalance) leaves the exposition:
    /// its new owner reports it, and a stale series would count its lag twice.
    @Test func lagOfAPartitionNoLongerReportedIsRemoved() {
        let metrics = ServiceMetrics()
        let first = KafkaPartition(topic: "metrics", partition: 0)
        let second = KafkaPartition(topic: "metrics", partition: 1)
        func text() -> String { String(decoding: metrics.exposition(model: nil), as: UTF8.self) }
        metrics.recordKafka(queueDepth: 0, outbox: 0, lag: [first: 3, second: 187])
        #expect(text().contains("vigil_kafka_consumer_lag_messages{topic=\"metrics\",partition=\"1\"} 187"))
        metrics.recordKafka(queueDepth: 0, outbox: 0, lag: [first: 4])
        #expect(text().contains("vigil_kafka_consumer_lag_messages{topic=\"metrics\",partition=\"0\"} 4"))
        #expect(!text().contains("partition=\"1\""))
        metrics.recordKafka(queueDepth: 0, outbox: 0, lag: [first: 0, second: 5])
        #expect(text().contains("vigil_kafka_consumer_lag_messages{topic=\"metrics\",partition=\"1\"} 5"))
    }
}

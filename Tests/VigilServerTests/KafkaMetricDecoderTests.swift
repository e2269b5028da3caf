import Testing
import VigilDetect
import VigilKafka

@testable import VigilServer

/// The metrics topic's messages read as the detect API reads its bodies.
@Suite struct KafkaMetricDecoderTests {
    let features = ["cpu_usage", "memory_usage"]

    private func event(_ json: String) throws(APIError) -> MetricEvent {
        try KafkaMetricDecoder.event(from: Array(json.utf8), features: features)
    }

    @Test func aVectorMessagesTimestampMayBeMillisecondsSecondsOrText() throws {
        let forms = [
            #"{"service":"api","timestamp":1764072000000,"cpu_usage":1,"memory_usage":2}"#,
            #"{"service":"api","timestamp":1764072000,"cpu_usage":1,"memory_usage":2}"#,
            #"{"service":"api","timestamp":"2025-11-25T13:00:00+01:00","cpu_usage":1,"memory_usage":2}"#,
        ]
        for form in forms { #expect(try event(form).timestamp == 1_764_072_000_000, "\(form)") }
        let metric = try event(#"{"service":"api","timestamp":"2025-11-25 12:00:00","metric":"cpu_usage","value":3}"#)
        #expect(metric.timestamp == 1_764_072_000_000 && metric.value == 3)
    }

    @Test func aTimestampThatIsNoTimeIsNamed() {
        #expect {
            try event(#"{"service":"api","timestamp":"2025-02-30T00:00:00Z","cpu_usage":1,"memory_usage":2}"#)
        } throws: { error in
            "\(error)".contains("timestamp") && "\(error)".contains("ISO 8601")
        }
    }

    @Test func partitionsAreNamedTopicByTopicInOrder() {
        let partitions = [
            KafkaPartition(topic: "metrics", partition: 3), KafkaPartition(topic: "metrics", partition: 0),
            KafkaPartition(topic: "more", partition: 1),
        ]
        #expect(MetricsConsumer.describe(partitions) == "metrics/0,3 more/1")
        #expect(MetricsConsumer.describe([]) == "none")
    }
}

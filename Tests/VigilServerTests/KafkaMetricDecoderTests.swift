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

    /// Without a model, a message may wait for one only when it could be the model's: a vector
    /// of the fallback's own features with one missing is undecodable whatever the model.
    @Test func onlyAMessageNamingOtherFeaturesWaitsForTheModel() throws {
        let pipeline = try TestService.make(withModel: false).pipeline
        let features = DetectionPipeline.fallbackFeatures
        func problem(_ json: String) throws -> (APIError, JSONValue) {
            do {
                _ = try KafkaMetricDecoder.event(from: Array(json.utf8), features: features)
            } catch {
                return (error, try JSONParser.parse(json))
            }
            throw APIError(.badRequest, code: "none", message: "\(json) decoded")
        }
        let (short, shortItem) = try problem(#"{"service":"api","cpu_usage":1,"memory_usage":2,"network_io":3,"response_time":4}"#)
        #expect(short.field == "disk_io")
        #expect(!pipeline.isFeatureProblem(short, in: shortItem))
        let (other, otherItem) = try problem(#"{"service":"api","queue_depth":1,"lag":2}"#)
        #expect(pipeline.isFeatureProblem(other, in: otherItem))
        #expect(pipeline.withoutModel(other, in: otherItem).code == "model_unavailable")
        #expect(pipeline.withoutModel(short, in: shortItem).code == "missing_field")
    }
}

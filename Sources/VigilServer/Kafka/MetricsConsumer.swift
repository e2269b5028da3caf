import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import VigilDetect
import VigilKafka

/// Consumes metrics from Kafka into the same pipeline as HTTP: at least once, in order per
/// partition, with undecodable messages parked in a dead-letter topic.
///
/// A message's offset is stored only after its result (and any alert) is durable in SQLite, or
/// after its dead-letter copy is acknowledged; until then it is retried, never skipped. When a
/// rebalance takes partitions away, the per-service state built from them is dropped; the new
/// owner rebuilds it from the stream.
struct MetricsConsumer: Service {
    let consumer: KafkaConsumer
    let producer: KafkaProducer
    let pipeline: DetectionPipeline
    let settings: KafkaSettings
    let services: PartitionServices
    let logger: Logger

    /// Messages taken per round; each round's partitions are processed in parallel lanes.
    var batchSize = 1024
    /// Parallel lanes: a partition always maps to the same lane, so order per partition (and so
    /// per service, when producers key by service) is kept.
    var lanes = max(2, ProcessInfo.processInfo.activeProcessorCount)

    func run() async throws {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            var batch: [KafkaMessage] = []
            do {
                while batch.count < batchSize, let message = try consumer.poll() { batch.append(message) }
            } catch {
                logger.warning("Kafka consumer error", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .milliseconds(200))
            }
            guard !batch.isEmpty else {
                try? await Task.sleep(for: .milliseconds(5))
                continue
            }
            let byLane = Dictionary(grouping: batch) { Int($0.partition) % lanes }
            await withDiscardingTaskGroup { group in
                for messages in byLane.values {
                    group.addTask {
                        var durable: [KafkaMessage] = []
                        for message in messages {
                            guard await process(message) else { break }  // shutting down mid-retry
                            durable.append(message)
                        }
                        // One offset store for the lane's durable prefix.
                        do {
                            try consumer.markProcessed(durable)
                        } catch {
                            logger.warning("offsets not stored; these messages will be read again", metadata: ["error": "\(error)"])
                        }
                    }
                }
            }
        }
        await consumer.close()
        logger.info("Kafka metrics consumer left the group")
    }

    /// Detects on `message` (or parks it in the dead-letter topic), retrying until its effects
    /// are durable; the caller then stores its offset. False only when cancelled before that.
    func process(_ message: KafkaMessage) async -> Bool {
        let outcome: Result<MetricEvent, APIError> = Result { () throws(APIError) in
            try KafkaMetricDecoder.event(from: message.value, features: pipeline.features)
        }
        var delay: Duration = .milliseconds(100)
        while !Task.isCancelled {
            do {
                switch outcome {
                case .success(let event):
                    services.record(event.service, on: KafkaPartition(topic: message.topic, partition: message.partition))
                    _ = try await pipeline.detect(event)
                    pipeline.metrics.recordKafkaMessage(result: "processed")
                case .failure(let problem):
                    try await deadLetter(message, reason: problem.message)
                    pipeline.metrics.recordKafkaMessage(result: "dead_lettered")
                }
                return true
            } catch {
                logger.error(
                    "metric message not processed; retrying",
                    metadata: ["partition": "\(message.partition)", "offset": "\(message.offset)", "error": "\(error)"])
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(5))
            }
        }
        return false
    }

    private func deadLetter(_ message: KafkaMessage, reason: String) async throws {
        logger.warning("undecodable metric sent to \(settings.deadLetterTopic)", metadata: ["offset": "\(message.offset)", "reason": "\(reason)"])
        _ = try await producer.send(
            KafkaOutgoingMessage(
                topic: settings.deadLetterTopic, key: message.keyString, value: message.value,
                headers: [
                    KafkaHeader(name: "vigil-error", text: reason), KafkaHeader(name: "vigil-source-topic", text: message.topic),
                    KafkaHeader(name: "vigil-source-partition", text: String(message.partition)),
                    KafkaHeader(name: "vigil-source-offset", text: String(message.offset)),
                ]))
    }
}

/// Which services were seen on which partitions, so a revocation can drop their state.
final class PartitionServices: Sendable {
    private let map = Mutex<[KafkaPartition: Set<String>]>([:])

    func record(_ service: String, on partition: KafkaPartition) {
        map.withLock { _ = $0[partition, default: []].insert(service) }
    }

    /// Forgets and returns the services of `partitions`.
    func revoke(_ partitions: [KafkaPartition]) -> Set<String> {
        map.withLock { map in
            partitions.reduce(into: Set<String>()) { services, partition in
                services.formUnion(map.removeValue(forKey: partition) ?? [])
            }
        }
    }
}

/// The metric messages Vigil reads: the seed's `{timestamp, service, metric, value, tags?}`, or a
/// vector `{timestamp?, service, <every feature>: number}`.
enum KafkaMetricDecoder {
    static func event(from bytes: [UInt8], features: [String]) throws(APIError) -> MetricEvent {
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            throw APIError(.badRequest, code: "invalid_json", message: error.description)
        }
        let fields = try RequestFields(value)
        if fields.object["metric"] != nil { return try fields.metricEvent(features: features) }
        let service = try fields.name(of: "service")
        var timestamp = try fields.optionalNumber("timestamp", limit: RequestFields.timestampLimit) ?? Date().timeIntervalSince1970 * 1000
        if timestamp < 1e11 { timestamp *= 1000 }
        let values = try fields.vector(features: features)
        return MetricEvent(
            timestamp: timestamp, service: service, metric: features[0], value: values[0],
            tags: Dictionary(uniqueKeysWithValues: zip(features, values).dropFirst().map { ($0, $1) }))
    }
}

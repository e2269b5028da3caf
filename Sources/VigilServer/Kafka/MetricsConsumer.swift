import Foundation
import Logging
import ServiceLifecycle
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
    let stall: ConsumerStall
    let leaving: OneWayFlag
    let keyCheck = MessageKeyCheck()
    let logger: Logger

    /// Messages taken per round; each round's partitions are processed in parallel lanes.
    var batchSize = 1024
    /// Parallel lanes: a partition always maps to the same lane, so order per partition (and so
    /// per service, when producers key by service) is kept.
    var lanes = max(2, ProcessInfo.processInfo.activeProcessorCount)
    /// How long a shutdown waits to leave the group (see ``AlertPublisher/shutdownWait``).
    static let shutdownWait: Duration = .seconds(3)

    func run() async throws {
        var assigned: [KafkaPartition] = []
        // Messages polled while the last round kept the group, and the rebalances before them.
        var carried = PolledMessages(rebalances: consumer.rebalances)
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            // What was polled before a rebalance is dropped (see PolledMessages).
            var batch = carried
            do {
                try batch.poll(consumer, upTo: batchSize)
            } catch {
                logger.warning("Kafka consumer error", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .milliseconds(200))
            }
            // Rebalances are served by poll; say what this member reads now.
            let assignment = consumer.assignment
            if assignment != assigned {
                assigned = assignment
                logger.info("Kafka partitions assigned", metadata: ["partitions": "\(Self.describe(assignment))"])
            }
            guard !batch.messages.isEmpty else {
                try? await Task.sleep(for: .milliseconds(5))
                continue
            }
            let round = await processKeepingMembership(batch.messages)
            carried = round.polled
            if consumer.rebalances != batch.rebalances { await settleAfterRebalance(processed: round.processed, carried: &carried) }
        }
        leaving.raise()
        if await consumer.close(timeout: Self.shutdownWait) {
            logger.info("Kafka metrics consumer left the group")
        } else if Task.isCancelled {
            logger.warning("Kafka metrics consumer stopped without waiting to leave the group (the service was cancelled)")
        } else {
            logger.warning(
                "Kafka metrics consumer did not leave the group in time (brokers unreachable?); offsets not yet committed will be read again")
        }
    }

    /// `metrics/0,1,3`, or `none`.
    static func describe(_ partitions: [KafkaPartition]) -> String {
        let byTopic = Dictionary(grouping: partitions, by: \.topic)
        guard !byTopic.isEmpty else { return "none" }
        return byTopic.keys.sorted().map { topic in
            "\(topic)/" + byTopic[topic]!.map(\.partition).sorted().map(String.init).joined(separator: ",")
        }.joined(separator: " ")
    }

    /// Detects on one lane's messages of a round, in one batch, parks the undecodable ones in the
    /// dead-letter topic, and stores the lane's offsets once all of that is durable (true then).
    /// Failures are retried; when shutdown interrupts a retry, no offset is stored and the
    /// messages are read again by whoever owns the partitions next.
    @discardableResult
    func process(_ messages: [KafkaMessage], lane: Int) async -> Bool {
        var decoded = decode(messages)
        // Without a model the fallback reads only its own features: a message may be undecodable
        // only for want of the model (loading, or failed to load). Wait for one rather than
        // dead-letter what may be good.
        var delay: Duration = .milliseconds(250)
        while true {
            // A model that arrived since the messages were decoded reads other features.
            if decoded.features != pipeline.features {
                decoded = decode(messages)
                continue
            }
            guard pipeline.models.current == nil, decoded.undecodable.contains(where: { pipeline.isFeatureProblem($0.error) }) else { break }
            let status = pipeline.models.snapshot.status == .loading ? "the model is still loading" : "no model is loaded"
            stall.set(
                "metric messages need the model's features and \(status); waiting for it (reload with SIGHUP or POST /api/v1/ml/model/reload)",
                lane: lane)
            do {
                try await cancelWhenGracefulShutdown { [delay] in try await Task.sleep(for: delay) }
            } catch {
                return false
            }
            if Task.isShuttingDownGracefully || Task.isCancelled { return false }
            delay = min(delay * 2, .seconds(5))
            decoded = decode(messages)
        }
        let (events, seen, undecodable, misKeyed) = (decoded.events, decoded.seen, decoded.undecodable, decoded.misKeyed)
        services.record(seen)
        // Scored once: only storing what the alert policy decides is retried (scoring again
        // would fold the events into their services' state twice).
        let scored = pipeline.score(batch: events)
        guard
            await retrying(
                "metric messages not processed", lane: lane, { [events] in _ = try await pipeline.raiseAlerts(for: events, scored: scored) })
        else {
            return false
        }
        pipeline.metrics.recordKafkaMessages(events.count, result: "processed")
        if misKeyed > 0 { pipeline.metrics.recordKafkaMisKeyed(misKeyed) }
        for (message, error) in undecodable {
            let reason = error.message
            // A dead-letter copy waits for Kafka's delivery report: a shutdown does not wait for it.
            guard
                await retrying(
                    "undecodable metric not dead-lettered", lane: lane, interruptible: true, { try await deadLetter(message, reason: reason) })
            else {
                return false
            }
            pipeline.metrics.recordKafkaMessages(1, result: "dead_lettered")
        }
        do {
            try consumer.markProcessed(messages)
        } catch {
            logger.warning("offsets not stored; these messages will be read again", metadata: ["error": "\(error)"])
        }
        return true
    }

    /// `messages` read as metric events, each with its service's partition; the undecodable ones
    /// with why; how many are not keyed by their service (the first is logged); the features
    /// they were read for.
    private func decode(_ messages: [KafkaMessage]) -> (
        events: [MetricEvent], seen: [(service: String, partition: KafkaPartition)], undecodable: [(message: KafkaMessage, error: APIError)],
        misKeyed: Int, features: [String]
    ) {
        var events: [MetricEvent] = []
        var seen: [(service: String, partition: KafkaPartition)] = []
        var undecodable: [(message: KafkaMessage, error: APIError)] = []
        var misKeyed = 0
        let features = pipeline.features
        for message in messages {
            do throws(APIError) {
                let event = try KafkaMetricDecoder.event(from: message.value, features: features)
                events.append(event)
                seen.append((event.service, message.source))
                if !message.hasKey(event.service) {
                    misKeyed += 1
                    if let problem = keyCheck.firstProblem(of: message, service: event.service) {
                        logger.warning("\(problem) (counted in vigil_kafka_miskeyed_messages_total; warned once)")
                    }
                }
            } catch {
                undecodable.append((message, error))
            }
        }
        return (events, seen, undecodable, misKeyed, features)
    }

    /// Runs `work` until it succeeds, backing off between attempts. The first attempt always
    /// runs; a graceful shutdown ends the waits between attempts and stops the next ones (and,
    /// when `interruptible`, an attempt waiting on Kafka): false then, or when cancelled.
    private func retrying(
        _ problem: String, lane: Int, interruptible: Bool = false, _ work: @escaping @Sendable () async throws -> Void
    ) async -> Bool {
        var delay: Duration = .milliseconds(100)
        var first = true
        while !Task.isCancelled, first || !Task.isShuttingDownGracefully {
            first = false
            do {
                if interruptible { try await cancelWhenGracefulShutdown(work) } else { try await work() }
                stall.set(nil, lane: lane)
                return true
            } catch {
                if Task.isShuttingDownGracefully { return false }
                logger.error("\(problem); retrying", metadata: ["error": "\(error)"])
                stall.set("\(problem), retrying: \(error)", lane: lane)
                try? await cancelWhenGracefulShutdown { [delay] in try await Task.sleep(for: delay) }
                delay = min(delay * 2, .seconds(5))
            }
        }
        return false
    }

    /// What a dead-letter copy keeps of a message too large for the dead-letter topic: its first
    /// 64 KiB, else nothing (the headers still say what and where it was).
    static let deadLetterCuts = [64 * 1024, 0]

    /// Parks `message` in the dead-letter topic with the reason and its origin in headers. A
    /// message too large for the dead-letter topic is parked cut, with its size in
    /// `vigil-truncated-from`, so that it never blocks its partition.
    private func deadLetter(_ message: KafkaMessage, reason: String) async throws(KafkaError) {
        let headers = [
            KafkaHeader(name: "vigil-error", text: reason), KafkaHeader(name: "vigil-source-topic", text: message.topic),
            KafkaHeader(name: "vigil-source-partition", text: String(message.partition)),
            KafkaHeader(name: "vigil-source-offset", text: String(message.offset)),
        ]
        let size = message.value.count
        let lengths = [size] + Self.deadLetterCuts.filter { $0 < size }
        for (attempt, length) in lengths.enumerated() {
            let cut = length < size
            let copy = KafkaOutgoingMessage(
                topic: settings.deadLetterTopic, key: message.keyString, value: Array(message.value.prefix(length)),
                headers: cut ? headers + [KafkaHeader(name: "vigil-truncated-from", text: String(size))] : headers)
            do {
                _ = try await producer.send(copy)
            } catch  where error.isMessageTooLarge && attempt < lengths.count - 1 {
                continue
            }
            var metadata: Logger.Metadata = [
                "partition": .stringConvertible(message.partition), "offset": .stringConvertible(message.offset), "reason": "\(reason)",
            ]
            if cut { metadata["kept_bytes"] = "\(length) of \(size)" }
            logger.warning("undecodable metric sent to \(settings.deadLetterTopic)", metadata: metadata)
            return
        }
    }
}

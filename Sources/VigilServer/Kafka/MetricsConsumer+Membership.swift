import Foundation
import Logging
import VigilKafka

/// Messages polled since the consumer's last rebalance (``KafkaConsumer/rebalances``).
///
/// Eager rebalancing revokes every partition and assigns them again from their committed
/// offsets, so messages polled before a rebalance are read again after it (or by another
/// member): they are dropped, never processed twice.
struct PolledMessages: Sendable {
    var messages: [KafkaMessage] = []
    var rebalances: Int

    init(rebalances: Int) {
        self.rebalances = rebalances
    }

    /// Polls `consumer` until it has no message waiting or `limit` are held, dropping what a
    /// rebalance (served by the polls) made stale.
    mutating func poll(_ consumer: KafkaConsumer, upTo limit: Int = .max) throws(KafkaError) {
        defer { dropIfRebalanced(consumer) }
        while messages.count < limit, let message = try consumer.poll() {
            dropIfRebalanced(consumer)
            messages.append(message)
        }
    }

    /// Drops the messages held when `consumer` has been through a rebalance since they came.
    private mutating func dropIfRebalanced(_ consumer: KafkaConsumer) {
        let now = consumer.rebalances
        guard now != rebalances else { return }
        messages.removeAll()
        rebalances = now
    }
}

/// A round that takes long (waiting for a model, retrying a full disk) keeps the member in the
/// group: its partitions are paused and it polls on, which serves rebalances and librdkafka's
/// `max.poll.interval.ms`.
extension MetricsConsumer {
    /// How long a round may go before the consumer pauses its partitions and polls on, and how
    /// often it polls then.
    static let keepAliveAfter: Duration = .seconds(1)
    static let keepAliveInterval: Duration = .milliseconds(200)

    /// What a round did: the highest offset processed per partition, and the messages polled
    /// meanwhile (of partitions a rebalance assigned, before they were paused too).
    struct Round {
        var processed: [KafkaPartition: Int64] = [:]
        var polled: PolledMessages
    }

    private enum RoundPart: Sendable {
        case processed([KafkaPartition: Int64])
        case polled(PolledMessages)
    }

    /// Processes a round's messages, keeping the member in the group while it takes long.
    func processKeepingMembership(_ batch: [KafkaMessage]) async -> Round {
        await withTaskGroup(of: RoundPart.self) { group in
            group.addTask { .processed(await processInLanes(batch)) }
            group.addTask {
                do { try await Task.sleep(for: Self.keepAliveAfter) } catch { return .polled(PolledMessages(rebalances: consumer.rebalances)) }
                return await keepMembership()
            }
            var round = Round(polled: PolledMessages(rebalances: consumer.rebalances))
            for await part in group {
                switch part {
                case .processed(let offsets):
                    round.processed = offsets
                    group.cancelAll()
                case .polled(let polled):
                    round.polled = polled
                }
            }
            return round
        }
    }

    /// Processes a round's messages, each partition in its lane (in parallel across lanes);
    /// returns the highest offset per partition of the lanes that finished.
    private func processInLanes(_ batch: [KafkaMessage]) async -> [KafkaPartition: Int64] {
        let byLane = Dictionary(grouping: batch) { Int($0.partition) % lanes }
        return await withTaskGroup(of: [KafkaPartition: Int64].self) { group in
            for (lane, messages) in byLane {
                group.addTask {
                    await process(messages, lane: lane) ? KafkaMessage.highestOffsets(of: messages) : [:]
                }
            }
            return await group.reduce(into: [:]) { all, lane in all.merge(lane) { max($0, $1) } }
        }
    }

    /// Until cancelled: pauses this member's partitions (again after each rebalance) and polls
    /// on; then resumes every partition it paused. Returns the messages polled since the last
    /// rebalance.
    private func keepMembership() async -> RoundPart {
        var pausedAfter: Int?
        var polled = PolledMessages(rebalances: consumer.rebalances)
        let started = ContinuousClock.now
        logger.notice("Kafka round still waiting after \(Self.keepAliveAfter.components.seconds) s; partitions paused, polling on to keep the group")
        while !Task.isCancelled {
            do {
                let rebalances = consumer.rebalances
                if pausedAfter != rebalances {
                    try consumer.pause(consumer.assignment)
                    pausedAfter = rebalances
                }
                try polled.poll(consumer)
            } catch {
                logger.warning("Kafka consumer error while a round waits", metadata: ["error": "\(error)"])
            }
            do { try await Task.sleep(for: Self.keepAliveInterval) } catch { break }
        }
        do {
            try consumer.resume(consumer.paused)
            let waited = (ContinuousClock.now - started + Self.keepAliveAfter).components
            let seconds = Double(waited.seconds) + Double(waited.attoseconds) / 1e18
            logger.notice("Kafka round done after \(String(format: "%.1f", seconds)) s; partitions resumed")
        } catch {
            logger.error("Kafka partitions not resumed; their messages wait", metadata: ["error": "\(error)"])
        }
        return .polled(polled)
    }

    /// After a round during which a rebalance came: drops the state of services whose
    /// partitions went (processing them after the revocation brought it back), and makes the
    /// partitions given back go on after what the round processed (they restart at the committed
    /// offset, which the round's stored offsets may not have reached), dropping what was polled
    /// of them meanwhile.
    func settleAfterRebalance(processed: [KafkaPartition: Int64], carried: inout PolledMessages) async {
        guard !leaving.isRaised else { return }
        let owned = Set(consumer.assignment)
        let forgotten = services.revoke(allBut: owned)
        if !forgotten.isEmpty { pipeline.forget(services: forgotten) }
        let next = processed.filter { owned.contains($0.key) }.mapValues { $0 + 1 }
        guard !next.isEmpty else { return }
        carried.messages.removeAll { next[$0.source] != nil }
        do {
            try await consumer.seek(next)
        } catch {
            logger.warning(
                "Kafka partitions given back by a rebalance not moved past what was processed; those messages are processed again",
                metadata: ["error": "\(error)"])
        }
    }
}

import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import VigilKafka

/// Publishes alerts from the SQLite outbox to Kafka and takes each out only on its delivery
/// report, so a broker outage or a restart of Vigil loses no alert.
///
/// Alerts enter the outbox in the same transaction that stores them, and again when they
/// escalate (``DetectionPipeline``); this service sends them (key = service), and retries
/// whatever failed or timed out. At most ``maximumInFlight`` are handed to librdkafka at once,
/// so memory stays bounded however long the outage: the backlog waits on disk.
///
/// One loop does all the reading, so a cursor (the last row sent) is enough to find new alerts
/// without reading a busy outbox again on every signal; once every ``rescanInterval`` it scans
/// from the start instead, for the alerts whose delivery failed and the escalated ones (rows
/// before the cursor). Acknowledgements are written in batches, one transaction per wake-up.
struct AlertPublisher: Service {
    let producer: KafkaProducer
    let store: AlertStore
    let topic: String
    /// Wakes the publisher: an alert entered the outbox (a new one is read at once, an escalated
    /// one at the next rescan), or a rescan is due.
    let signal: AsyncStream<Void>
    let wake: AsyncStream<Void>.Continuation
    let metrics: ServiceMetrics
    let logger: Logger
    let progress = PublishingProgress()
    var maximumInFlight = 10_000
    /// How long a shutdown waits for the alerts in flight; what is not delivered by then stays in
    /// the outbox for the next start. The consumer's wait comes before it (services stop one
    /// after the other): with both, a stop during a broker outage takes about 6 s, which leaves
    /// `docker stop`'s 10 s room for the final state save (a stop took 9.4 s with 4 s waits).
    static let shutdownWait: Duration = .seconds(3)
    /// How often the whole outbox is scanned: retries after failures.
    var rescanInterval: Duration = .seconds(1)

    func run() async throws {
        let ticker = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: rescanInterval)
                progress.requestRescan()
                wake.yield()
            }
        }
        let acknowledgements = Task {
            for await _ in progress.deliveries.stream { await markDelivered() }
            await markDelivered()
        }
        await publishPending()
        // The stream ends at graceful shutdown.
        for await _ in signal.cancelOnGracefulShutdown() { await publishPending() }
        ticker.cancel()
        let flushed = await producer.flush(timeout: Self.shutdownWait)
        progress.deliveries.continuation.finish()
        await acknowledgements.value
        logger.info(
            "Kafka alert publisher stopped",
            metadata: ["flushed": .stringConvertible(flushed), "in_flight": .stringConvertible(progress.inFlightCount)])
    }

    /// Sends the outbox alerts not in flight: those stored after the cursor, or all of them when
    /// a rescan is due.
    func publishPending() async {
        let room = maximumInFlight - progress.inFlightCount
        guard room > 0 else { return }
        let pending: [OutboxEntry]
        do {
            if progress.takeRescan() {
                // Taken before the read: an alert acknowledged after it is still excluded, and one
                // marked before it is no longer in the outbox.
                let inFlight = progress.inFlight
                pending = try await store.outbox(limit: room) { inFlight.contains($0) }
            } else {
                // No alert after the cursor was sent yet: this loop is the only sender.
                pending = try await store.outbox(after: progress.cursor, limit: room) { _ in false }
            }
        } catch {
            logger.error("cannot read the Kafka outbox", metadata: ["error": "\(error)"])
            return
        }
        for alert in pending where progress.send(alert) {
            let message = KafkaOutgoingMessage(topic: topic, key: alert.service, value: Array(alert.body))
            do {
                try producer.send(message) { result in handle(result, sent: alert.version) }
            } catch {
                progress.release([alert.id])
                metrics.recordKafkaDelivery(success: false)
                if !error.isRetriable { logger.error("alert not queued for Kafka", metadata: ["alert_id": "\(alert.id)", "error": "\(error)"]) }
                return  // a full queue or a client error: try again on the next scan
            }
        }
    }

    private func handle(_ result: Result<KafkaDeliveryReport, KafkaError>, sent: OutboxEntry.Version) {
        metrics.recordKafkaDelivery(success: (try? result.get()) != nil)
        switch result {
        case .success:
            progress.delivered(sent)
        case .failure(let error):
            logger.warning("alert delivery failed; it stays in the outbox", metadata: ["alert_id": "\(sent.id)", "error": "\(error)"])
            progress.release([sent.id])
        }
    }

    /// Takes every alert acknowledged since the last call out of the outbox, in one transaction.
    private func markDelivered() async {
        let sent = progress.takeDelivered()
        guard !sent.isEmpty else { return }
        do {
            try await store.markDelivered(sent, at: Date().timeIntervalSince1970 * 1000)
        } catch {
            logger.error(
                "alerts delivered but not marked; they will be sent again", metadata: ["alerts": .stringConvertible(sent.count), "error": "\(error)"])
        }
        progress.release(sent.map(\.id))
    }
}

/// What the publisher has handed to librdkafka: the alerts in flight, the last outbox row sent,
/// and the acknowledgements not yet written to the store.
final class PublishingProgress: Sendable {
    private struct State {
        var inFlight: Set<String> = []
        var cursor: Int64 = 0
        var delivered: [OutboxEntry.Version] = []
        var rescanDue = true
    }

    private let state = Mutex(State())
    /// Wakes the writer of acknowledgements.
    let deliveries = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))

    /// Marks `alert` in flight and moves the cursor past it; false when it was in flight already.
    func send(_ alert: OutboxEntry) -> Bool {
        state.withLock { state in
            state.cursor = max(state.cursor, alert.row)
            return state.inFlight.insert(alert.id).inserted
        }
    }

    /// Records Kafka's acknowledgement of `sent`; it stays in flight until the store knows.
    func delivered(_ sent: OutboxEntry.Version) {
        state.withLock { $0.delivered.append(sent) }
        deliveries.continuation.yield()
    }

    /// The acknowledgements not yet written, which the caller now writes.
    func takeDelivered() -> [OutboxEntry.Version] {
        state.withLock { state in
            defer { state.delivered.removeAll(keepingCapacity: true) }
            return state.delivered
        }
    }

    /// Takes `ids` out of flight: delivered and marked, or failed and due for a retry.
    func release(_ ids: [String]) {
        state.withLock { state in
            for id in ids { state.inFlight.remove(id) }
        }
    }

    /// Asks the next scan to start from the beginning of the outbox.
    func requestRescan() { state.withLock { $0.rescanDue = true } }

    /// Whether a full scan is due; the caller now does it.
    func takeRescan() -> Bool {
        state.withLock { state in
            defer { state.rescanDue = false }
            return state.rescanDue
        }
    }

    var cursor: Int64 { state.withLock { $0.cursor } }
    var inFlight: Set<String> { state.withLock { $0.inFlight } }
    var inFlightCount: Int { state.withLock { $0.inFlight.count } }
}

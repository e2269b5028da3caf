import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import VigilKafka

/// Publishes alerts from the SQLite outbox to Kafka and takes each out only on its delivery
/// report, so a broker outage or a restart of Vigil loses no alert.
///
/// Alerts enter the outbox in the same transaction that stores them (``DetectionPipeline``);
/// this service sends them (key = service), and retries whatever failed or timed out. At most
/// ``maximumInFlight`` are handed to librdkafka at once, so memory stays bounded however long
/// the outage: the backlog waits on disk.
struct AlertPublisher: Service {
    let producer: KafkaProducer
    let store: AlertStore
    let topic: String
    let signal: AsyncStream<Void>
    let metrics: ServiceMetrics
    let logger: Logger
    let inFlight = InFlightSet()
    var maximumInFlight = 10_000
    /// How often the outbox is scanned when nothing signals: retries after failures.
    var rescanInterval: Duration = .seconds(1)

    func run() async throws {
        let rescans = Task {
            while !Task.isCancelled {
                await publishPending()
                try? await Task.sleep(for: rescanInterval)
            }
        }
        // Every new alert wakes the publisher; the stream ends at graceful shutdown.
        for await _ in signal.cancelOnGracefulShutdown() { await publishPending() }
        rescans.cancel()
        let flushed = await producer.flush(timeout: 10_000)
        logger.info("Kafka alert publisher stopped", metadata: ["flushed": "\(flushed)", "in_flight": "\(inFlight.count)"])
    }

    /// Sends every outbox alert not already in flight.
    func publishPending() async {
        let room = maximumInFlight - inFlight.count
        guard room > 0 else { return }
        let pending: [(id: String, service: String, body: Data)]
        do {
            pending = try await store.outbox(limit: room, excluding: inFlight.snapshot)
        } catch {
            logger.error("cannot read the Kafka outbox", metadata: ["error": "\(error)"])
            return
        }
        for alert in pending where inFlight.insert(alert.id) {
            let message = KafkaOutgoingMessage(topic: topic, key: alert.service, value: Array(alert.body))
            do {
                try producer.send(message) { result in handle(result, id: alert.id) }
            } catch {
                inFlight.remove(alert.id)
                metrics.recordKafkaDelivery(success: false)
                if !error.isRetriable { logger.error("alert not queued for Kafka", metadata: ["alert_id": "\(alert.id)", "error": "\(error)"]) }
                return  // a full queue or a client error: try again on the next scan
            }
        }
    }

    private func handle(_ result: Result<KafkaDeliveryReport, KafkaError>, id: String) {
        metrics.recordKafkaDelivery(success: (try? result.get()) != nil)
        switch result {
        case .success:
            Task {
                do {
                    try await store.markDelivered(id, at: Date().timeIntervalSince1970 * 1000)
                } catch {
                    logger.error("alert delivered but not marked; it will be sent again", metadata: ["alert_id": "\(id)", "error": "\(error)"])
                }
                inFlight.remove(id)
            }
        case .failure(let error):
            logger.warning("alert delivery failed; it stays in the outbox", metadata: ["alert_id": "\(id)", "error": "\(error)"])
            inFlight.remove(id)
        }
    }
}

/// Ids of alerts handed to librdkafka and not yet reported.
final class InFlightSet: Sendable {
    private let ids = Mutex(Set<String>())

    /// Adds `id`; false when it was already in flight.
    func insert(_ id: String) -> Bool { ids.withLock { $0.insert(id).inserted } }
    func remove(_ id: String) { _ = ids.withLock { $0.remove(id) } }
    var count: Int { ids.withLock { $0.count } }
    var snapshot: Set<String> { ids.withLock { $0 } }
}

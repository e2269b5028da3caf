import Foundation
import Logging
import ServiceLifecycle

/// Keeps the alert store from growing without end: at start and then every hour, deletes the
/// alerts last seen more than ``retention`` seconds before the newest sighting (or before now,
/// when that is earlier; see ``AlertStore/prune(retention:now:)``). An alert still in the Kafka
/// outbox stays until it is delivered.
struct AlertRetention: Service {
    let store: AlertStore
    /// Seconds an alert is kept after its last sighting.
    let retention: Double
    var interval: Duration = .seconds(3600)
    let logger: Logger

    func run() async throws {
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            do {
                let pruned = try await store.prune(retention: retention * 1000, now: Date().timeIntervalSince1970 * 1000)
                if pruned > 0 {
                    logger.info(
                        "old alerts deleted",
                        metadata: ["alerts": .stringConvertible(pruned), "retention_days": .stringConvertible(retention / 86_400)])
                }
            } catch {
                logger.error("cannot delete old alerts", metadata: ["error": "\(error)"])
            }
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return
            }
        }
    }
}

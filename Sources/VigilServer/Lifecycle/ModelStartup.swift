import Foundation
import Logging
import ServiceLifecycle

/// Loads the model when the service starts, or trains the synthetic default when there is none,
/// on its own thread so the server answers (with the fallback, and `/ready` 503) meanwhile, with
/// each service's saved state restored into it before it serves; then saves that state every
/// ``saveInterval`` seconds, and once more when the service stops.
///
/// It is the first service of the group, so it stops last: after the Kafka consumer has stopped
/// changing the state it saves.
struct ModelStartup: Service {
    let loader: ModelLoader
    let holder: ModelHolder
    let state: ServiceStateFile
    /// Seconds between saves while running; 0 for none.
    let saveInterval: Double
    let logger: Logger

    func run() async throws {
        // The saved state goes into the model's assembler before the model serves.
        if holder.current != nil {
            // Loaded before start, its state restored (`--require-model`, ``VigilService/loadModel()``).
        } else if loader.needsDefaultTraining {
            try await Self.onDedicatedThread { [state] in try loader.trainDefault(into: holder, logger: logger, prepare: state.restore(into:)) }
        } else {
            loader.load(into: holder, logger: logger, prepare: state.restore(into:))
        }
        if saveInterval > 0 {
            // Sleeps end early at shutdown (the sleep throws), then the final save below runs.
            while !Task.isCancelled, !Task.isShuttingDownGracefully {
                do {
                    try await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(saveInterval)) }
                } catch {
                    break
                }
                state.save(from: holder, stopping: false)
            }
        } else {
            try? await gracefulShutdown()
        }
        state.save(from: holder)
    }

    /// Runs blocking work off the cooperative pool (training holds a core for seconds).
    static func onDedicatedThread(_ work: @escaping @Sendable () throws -> Void) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let thread = Thread {
                do {
                    try work()
                    continuation.resume()
                } catch {
                    continuation.resume(throwing: error)
                }
            }
            thread.name = "vigil-model-startup"
            thread.start()
        }
    }
}

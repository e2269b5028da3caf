import Foundation
import Logging
import ServiceLifecycle

/// Loads the model when the service starts, or trains the synthetic default when there is none,
/// on its own thread so the server answers (with the fallback, and `/ready` 503) meanwhile.
struct ModelStartup: Service {
    let loader: ModelLoader
    let holder: ModelHolder
    let logger: Logger

    func run() async throws {
        if holder.current != nil {
            // Loaded before start (`--require-model`).
        } else if loader.needsDefaultTraining {
            try await Self.onDedicatedThread { try loader.trainDefault(into: holder, logger: logger) }
        } else {
            loader.load(into: holder, logger: logger)
        }
        try? await gracefulShutdown()
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

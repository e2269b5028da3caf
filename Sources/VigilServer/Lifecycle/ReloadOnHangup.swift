import Logging
import ServiceLifecycle
import UnixSignals

/// Reloads the model bundle on SIGHUP, the Unix convention for "re-read your configuration".
struct ReloadOnHangup: Service {
    let loader: ModelLoader
    let holder: ModelHolder
    let logger: Logger

    func run() async throws {
        for await _ in await UnixSignalsSequence(trapping: .sighup).cancelOnGracefulShutdown() {
            logger.info("SIGHUP: reloading the model bundle")
            loader.load(into: holder, logger: logger)
        }
    }
}

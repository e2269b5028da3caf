import Foundation
import Logging
import VigilDetect

/// The file that keeps each service's assembled state (windows, baselines, seasons) across a
/// restart: written when the service stops gracefully, read once the model is loaded. Without
/// it, a model with a season of one day would judge every service without its seasons for
/// three days after each restart.
///
/// A snapshot of another model's features or window is left unused (and overwritten at the
/// next stop); a damaged one is reported and ignored. Neither stops the service.
struct ServiceStateFile: Sendable {
    let path: String
    let logger: Logger

    /// Restores the saved state into `assembler` (a model's, before it serves), if it fits.
    func restore(into assembler: FeatureAssembler) {
        guard FileManager.default.fileExists(atPath: path) else { return }
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            let count = try assembler.restore(from: data)
            logger.info("restored the state of \(Self.services(count)) from \(path)")
        } catch let error as AssemblerSnapshotError {
            logger.warning("\(path): \(error); each service starts afresh")
        } catch {
            logger.warning("\(path) is not readable (\(error.localizedDescription)); each service starts afresh")
        }
    }

    static func services(_ count: Int) -> String { count == 1 ? "1 service" : "\(count) services" }

    /// Saves the served model's per-service state, atomically (a temporary file, then a rename);
    /// logged at info level when `stopping`, else (the periodic saves) at debug level.
    func save(from holder: ModelHolder, stopping: Bool = true) {
        guard let assembler = holder.current?.assembler, assembler.window.isTemporal else { return }
        let started = Date()
        let data = assembler.snapshot()
        do {
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
            logger.log(
                level: stopping ? .info : .debug,
                "saved the state of \(Self.services(assembler.serviceCount)) to \(path) (\(data.count) bytes, \(String(format: "%.2f", Date().timeIntervalSince(started))) s)"
            )
        } catch {
            logger.warning("cannot save the services' state to \(path): \(error.localizedDescription)")
        }
    }
}

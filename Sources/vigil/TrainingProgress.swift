import Foundation
import VigilML

/// Shows training progress like Keras: a live bar per epoch on a terminal, one plain line per
/// epoch otherwise (logs, CI).
struct TrainingProgress {
    let live: Bool
    private var lastDraw: UInt64 = 0

    init(live: Bool = Console.errorIsTerminal) {
        self.live = live
    }

    mutating func handle(_ event: TrainingEvent) {
        switch event {
        case .batch(let epoch, let batch, let batches, let loss):
            guard live else { return }
            let now = DispatchTime.now().uptimeNanoseconds
            guard batch == batches || now - lastDraw > 100_000_000 else { return }
            lastDraw = now
            let width = 30
            let filled = width * batch / batches
            let bar = String(repeating: "=", count: filled) + (filled < width ? ">" : "") + String(repeating: ".", count: max(0, width - filled - 1))
            Console.message("\rEpoch \(epoch) \(batch)/\(batches) [\(bar)] loss: \(format(loss))\u{1B}[K")
        case .epochEnded(let report):
            if live { Console.message("\r\u{1B}[K") }
            var line = "Epoch \(report.epoch)/\(report.epochs) - \(String(format: "%.2f", report.seconds))s - loss: \(format(report.loss))"
            if let validation = report.validationLoss { line += " - val_loss: \(format(validation))" }
            line += " - lr: \(String(format: "%.1e", report.learningRate))"
            Console.note(line)
        case .learningRateReduced(let epoch, let rate):
            Console.note("Epoch \(epoch): reducing learning rate to \(String(format: "%.1e", rate))")
        case .stoppedEarly(let epoch, let best):
            Console.note("Epoch \(epoch): early stopping; restoring the weights of epoch \(best)")
        case .diverged(let epoch, let best) where best > 0:
            Console.note("Epoch \(epoch): the loss is no longer finite; restoring the weights of epoch \(best)")
        case .diverged(let epoch, _):
            Console.note("Epoch \(epoch): the loss is not finite")
        case .leftOutLabeled(let rows, let total):
            Console.note(
                "Leaving out of the fit the \(rows) of \(total) training rows labeled anomalous (a model that learns them as normal cannot flag them; --ignore-labels keeps them)"
            )
        case .refitting(let rows, let total):
            Console.note("Refitting without the \(total - rows) of \(total) training rows the first model found worst")
        }
    }

    private func format(_ value: Float) -> String {
        String(format: "%.4f", value)
    }
}

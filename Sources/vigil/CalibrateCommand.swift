import ArgumentParser
import Foundation
import VigilDetect
import VigilML

/// `vigil calibrate`: sets a bundle's threshold and score scale from held-out data, without
/// retraining (for imported Keras models, or after the traffic changed).
struct CalibrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calibrate",
        abstract: "Calibrate a model bundle's threshold on data it was not trained on.",
        discussion: """
            With a 0/1 label column the threshold is F1-optimal on the rows; otherwise it
            flags the --contamination share of them. The bundle is rewritten atomically.
            """
    )

    @Option(help: "The model bundle directory (rewritten in place).")
    var model = "model"

    @OptionGroup var data: DataOptions

    @Option(help: "The anomalous share assumed without labels (default: the model's own, else 0.01; 0.2 for --synthetic).")
    var contamination: Double?

    @Flag(help: "Ignore labels: use --contamination.")
    var ignoreLabels = false

    @OptionGroup var history: HistoryOption

    func validate() throws {
        if let contamination, !(contamination > 0 && contamination < 1) {
            throw ValidationError("--contamination must be in (0, 1), got \(contamination)")
        }
    }

    func run() async throws {
        var bundle = try ModelBundle.load(from: model)
        try ModelBundle.checkSaving(to: model)
        var dataset = try data.load(features: bundle.features, asSeries: bundle.window.isTemporal)
        guard dataset.rowCount >= DetectorTrainer.minimumRows else {
            throw DatasetError.tooFewRows(source: dataset.source, found: dataset.rowCount, needed: DetectorTrainer.minimumRows)
        }
        if data.isSynthetic { dataset.labels = nil }
        var trainer = DetectorTrainer()
        trainer.contamination = contamination ?? (data.isSynthetic ? SeedProfile.contamination : bundle.calibration?.contamination ?? 0.01)
        // Scored as `vigil evaluate` scores them.
        // A threshold from a wrong past would replace a good one: refused, not warned of.
        // A row the model was trained on is one of its nearest-neighbour references: measured
        // from the others, as training measured it, not from itself.
        var onReferences = 0
        let errors = try history.errors(of: dataset, bundle: bundle, refusingOverlap: true, leavingOutReferences: true) { onReferences = $0 }
        if onReferences > 0 {
            Console.note(
                "note: \(onReferences) of \(dataset.rowCount) rows are windows \(model) was trained on (its nearest-neighbour references); "
                    + "each was measured from the other references, as training measured it")
        }
        let calibration = try trainer.calibrate(errors: errors, labels: ignoreLabels ? nil : dataset.labels, source: dataset.source)
        if dataset.labels != nil, !ignoreLabels, calibration.method == .contamination {
            Console.note("note: the rows hold no labeled anomaly, so the threshold comes from --contamination \(trainer.contamination)")
        }
        if let warning = calibration.fewRowsWarning { Console.note(warning) }
        let previous = bundle.calibration.map { " (was \($0.threshold.fixed4))" } ?? ""
        bundle.calibration = calibration
        try bundle.save(to: model)
        Console.note(
            "Calibrated \(model) on \(dataset.rowCount) rows of \(dataset.source): threshold \(calibration.threshold.fixed4)\(previous) (\(calibration.method.rawValue))"
        )
    }
}

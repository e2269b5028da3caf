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

    @Option(help: "The anomalous share assumed without labels (default 0.01; 0.2 for --synthetic).")
    var contamination: Double?

    @Flag(help: "Ignore labels: use --contamination.")
    var ignoreLabels = false

    func validate() throws {
        if let contamination, !(contamination > 0 && contamination < 1) {
            throw ValidationError("--contamination must be in (0, 1), got \(contamination)")
        }
    }

    func run() async throws {
        var bundle = try ModelBundle.load(from: model)
        var dataset = try data.load(features: bundle.features, asSeries: bundle.window.isTemporal)
        if data.isSynthetic { dataset.labels = nil }
        var trainer = DetectorTrainer()
        trainer.contamination = contamination ?? (data.isSynthetic ? SeedProfile.contamination : 0.01)
        let errors = bundle.reconstructionErrors(series: dataset.values, times: dataset.times, services: dataset.services)
        let calibration = trainer.calibrate(errors: errors, labels: ignoreLabels ? nil : dataset.labels)
        bundle.calibration = calibration
        try bundle.save(to: model)
        Console.note(
            "Calibrated \(model) on \(dataset.rowCount) rows of \(dataset.source): threshold \(calibration.threshold.fixed4) (\(calibration.method.rawValue))"
        )
    }
}

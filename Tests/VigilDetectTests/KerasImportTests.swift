import Foundation
import Testing
import VigilDetect
import VigilML

/// The seed's own Keras model, imported by `tools/import_keras.py`, must reproduce TensorFlow.
@Suite struct KerasImportTests {
    @Test func reconstructionErrorsMatchTensorFlowToOneInTenThousand() throws {
        let bundle = try ModelBundle.load(from: Fixtures.path("seed-keras/bundle"))
        #expect(bundle.features == SeedProfile.features)
        #expect(bundle.network.parameterCount == 5973)
        #expect(bundle.calibration == nil)

        let reader = CSVDatasetReader(features: SeedProfile.features + ["reconstruction_error"], labelColumn: nil)
        let table = try reader.read(path: Fixtures.path("seed-keras/reference.csv")).dataset
        #expect(table.rowCount == 205)
        let raw = try table.selecting(SeedProfile.features).values
        let expected = try table.selecting(["reconstruction_error"]).values.values
        let errors = bundle.reconstructionErrors(series: raw)
        var worst = 0.0
        for (mine, theirs) in zip(errors, expected) {
            worst = max(worst, abs(Double(mine) - Double(theirs)) / Double(theirs))
        }
        #expect(worst < 1e-4, "largest relative difference \(worst)")
    }

    @Test func anUncalibratedImportCannotScoreUntilCalibrated() throws {
        let path = Fixtures.path("seed-keras/bundle")
        var bundle = try ModelBundle.load(from: path)
        #expect(throws: BundleError.notCalibrated(path: path)) { try AnomalyDetector(bundle: bundle, path: path) }
        var generator = SeededGenerator(seed: 1)
        let data = SeedProfile.generate(samples: 2000, generator: &generator)
        bundle.calibration = Calibration(errors: bundle.reconstructionErrors(series: data.values), contamination: 0.2)
        let detector = try AnomalyDetector(bundle: bundle)
        let score = detector.score([200, 180, 600, 400, 1000])
        #expect(score.isAnomaly)
        #expect(score.anomalyScore == 1)
    }
}

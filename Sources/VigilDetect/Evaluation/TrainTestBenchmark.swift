import Foundation
import VigilML

/// A benchmark family scored the way the literature scores ASD and SMD: for each machine, train
/// on `<machine>_train.csv` and test on `<machine>_test.csv`, with the threshold taken from
/// training data only (labels never used to train or calibrate); counts are then summed over
/// the machines.
public struct TrainTestBenchmark: Sendable {
    /// One machine's figures.
    public struct Machine: Sendable {
        public var name: String
        public var report: EvaluationReport
    }

    public var trainer: DetectorTrainer

    public init(trainer: DetectorTrainer) {
        var trainer = trainer
        trainer.useLabels = false
        self.trainer = trainer
    }

    /// Runs every `<machine>_train.csv` / `<machine>_test.csv` pair in `directory`, in name order.
    public func run(directory: String, progress: (String) -> Void = { _ in }) throws -> [Machine] {
        let files = try FileManager.default.contentsOfDirectory(atPath: directory)
        let machines = files.filter { $0.hasSuffix("_train.csv") }.map { String($0.dropLast("_train.csv".count)) }.sorted()
        let reader = CSVDatasetReader()
        return try machines.map { name in
            progress(name)
            let training = try reader.read(path: "\(directory)/\(name)_train.csv").dataset
            let bundle = try trainer.train(training).bundle
            let test = try reader.read(path: "\(directory)/\(name)_test.csv").dataset.selecting(bundle.features)
            guard let labels = test.labels else { throw DatasetError.missingColumns(["label"], source: test.source) }
            // The test days follow the training days: score them as their continuation, as a
            // service that had been watching the machine would (its window, season and baseline
            // already filled by the training days).
            // (The model was trained on every feature of the training file, in its order.)
            let series = training.values.appendingRows(test.values)
            let report = try AnomalyDetector(bundle: bundle).evaluate(series: series, labels: labels, scoredFrom: training.rowCount)
            return Machine(name: name, report: report)
        }
    }
}

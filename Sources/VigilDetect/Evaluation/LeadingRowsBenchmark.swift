import Foundation

/// A benchmark family scored file by file, each learning from its own leading rows: SKAB's
/// leaderboard protocol (learn from the first 400 rows, score the rest; counts summed over
/// files). The threshold comes from the learning rows only.
public struct LeadingRowsBenchmark: Sendable {
    /// One file's figures on its scored rows.
    public struct File: Sendable {
        public var name: String
        public var report: EvaluationReport
    }

    public var trainer: DetectorTrainer
    public var learning: LearningPeriod
    public var labelColumn: String
    /// Numeric columns that are not features (SKAB's `changepoint`, a second label).
    public var excludedColumns: Set<String>

    public init(trainer: DetectorTrainer, learning: LearningPeriod, labelColumn: String, excludedColumns: Set<String> = []) {
        var trainer = trainer
        trainer.useLabels = false
        self.trainer = trainer
        self.learning = learning
        self.labelColumn = labelColumn
        self.excludedColumns = excludedColumns
    }

    /// Runs every file of `paths` (named by their path relative to `root`), in the order given.
    public func run(_ paths: [String], root: String, progress: (String) -> Void = { _ in }) throws -> [File] {
        let reader = CSVDatasetReader(labelColumn: labelColumn)
        return try paths.map { path in
            let name = path.hasPrefix(root + "/") ? String(path.dropFirst(root.count + 1)) : path
            progress(name)
            let all = try reader.read(path: path).dataset
            let dataset = try all.selecting(all.features.filter { !excludedColumns.contains($0) })
            guard let labels = dataset.labels else { throw DatasetError.missingColumns([labelColumn], source: dataset.source) }
            let split = learning.rows(of: dataset.rowCount)
            let bundle = try trainer.train(dataset.subset(0..<split)).bundle
            let detector = try AnomalyDetector(bundle: bundle)
            return File(name: name, report: detector.evaluate(series: dataset.values, labels: Array(labels[split...]), scoredFrom: split))
        }
    }
}

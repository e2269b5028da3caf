import ArgumentParser
import Foundation
import VigilDetect
import VigilML

/// `vigil evaluate`: a model's detection quality on labeled rows.
struct EvaluateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Measure precision, recall, F1, ROC-AUC and PR-AUC on labeled data.",
        discussion: """
            Examples:
              vigil evaluate --model model --data labeled.csv
              vigil evaluate --model model --synthetic 20000 --data-seed 7 --json
            """
    )

    @Option(help: "The model bundle directory.")
    var model = "model"

    @OptionGroup var data: DataOptions

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    @OptionGroup var history: HistoryOption

    func run() async throws {
        let bundle = try ModelBundle.load(from: model)
        let detector = try AnomalyDetector(bundle: bundle, path: model)
        let dataset = try data.load(features: bundle.features, asSeries: bundle.window.isTemporal)
        guard let labels = dataset.labels else {
            throw CommandFailure(
                "\(dataset.source) has no '\(data.labelColumnName)' column: evaluation needs 0/1 labels (--label-column names another)")
        }
        let errors = try history.errors(of: dataset, bundle: bundle).map(Double.init)
        let report = EvaluationReport(errors: errors, labels: labels, threshold: detector.threshold, services: dataset.services)
        print(json ? self.json(report, dataset: dataset) : table(report, dataset: dataset, source: bundle.training.source))
    }

    private func table(_ report: EvaluationReport, dataset: Dataset, source: String) -> String {
        let c = report.confusion
        let width = max(String(report.rows).count, 8)
        func cell(_ value: Int) -> String { String(repeating: " ", count: max(0, width - String(value).count)) + String(value) }
        let (flagged, labelled) = (c.truePositives + c.falsePositives > 0, report.anomalies > 0)
        return """
            Model:     \(model) (trained on \(source), threshold \(report.threshold.fixed4))
            Data:      \(dataset.source): \(report.rows) rows, \(report.anomalies) anomalous
            Precision: \(flagged ? c.precision.fixed4 : "n/a (no row flagged)")
            Recall:    \(labelled ? c.recall.fixed4 : "n/a (no anomalies)")
            F1:        \(c.f1.fixed4) (point-wise)
            FAR / MAR: \(c.falseAlarmRate.fixed4) / \(labelled ? c.missedAlarmRate.fixed4 : "n/a") (normal rows flagged / anomalous rows missed)
            Point-adjusted F1: \(report.pointAdjusted.f1.fixed4) (a hit anywhere in a labelled run counts for all of it: inflated)
            ROC-AUC:   \(report.rocAUC.map(\.fixed4) ?? "n/a (one class only)")
            PR-AUC:    \(report.prAUC.map(\.fixed4) ?? "n/a (no anomalies)")
            Confusion matrix      predicted normal  predicted anomaly
              actual normal       \(cell(c.trueNegatives))          \(cell(c.falsePositives))
              actual anomaly      \(cell(c.falseNegatives))          \(cell(c.truePositives))
            """
    }

    private func json(_ report: EvaluationReport, dataset: Dataset) -> String {
        struct Output: Encodable {
            var model: String
            var data: String
            var rows: Int
            var anomalies: Int
            var threshold: Double
            var precision: Nullable
            var recall: Nullable
            var f1: Double
            var falseAlarmRate: Double
            var missedAlarmRate: Nullable
            var pointAdjustedF1: Double
            var rocAUC: Nullable
            var prAUC: Nullable
            var confusionMatrix: ConfusionMatrix

            enum CodingKeys: String, CodingKey {
                case model, data, rows, anomalies, threshold, precision, recall, f1
                case rocAUC = "roc_auc"
                case prAUC = "pr_auc"
                case falseAlarmRate = "false_alarm_rate"
                case missedAlarmRate = "missed_alarm_rate"
                case pointAdjustedF1 = "point_adjusted_f1"
                case confusionMatrix = "confusion_matrix"
            }
        }
        /// A figure written as `null` where it is undefined (a recall without anomalies).
        struct Nullable: Encodable {
            let value: Double?

            func encode(to encoder: any Encoder) throws {
                var container = encoder.singleValueContainer()
                if let value { try container.encode(value) } else { try container.encodeNil() }
            }
        }
        let c = report.confusion
        let (flagged, labelled) = (c.truePositives + c.falsePositives > 0, report.anomalies > 0)
        let output = Output(
            model: model, data: dataset.source, rows: report.rows, anomalies: report.anomalies, threshold: report.threshold,
            precision: Nullable(value: flagged ? c.precision : nil), recall: Nullable(value: labelled ? c.recall : nil), f1: c.f1,
            falseAlarmRate: c.falseAlarmRate, missedAlarmRate: Nullable(value: labelled ? c.missedAlarmRate : nil),
            pointAdjustedF1: report.pointAdjusted.f1, rocAUC: Nullable(value: report.rocAUC), prAUC: Nullable(value: report.prAUC),
            confusionMatrix: c)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try! encoder.encode(output), as: UTF8.self)
    }
}

import ArgumentParser
import Foundation
import VigilDetect
import VigilML

/// `--history FILE` for the commands that score a series (`score`, `evaluate`, `calibrate`): the rows just
/// before it, which fill the model's window, baseline and seasons without being scored. Without
/// them a model with a season has nothing to compare the first three seasons of the input with.
struct HistoryOption: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "A CSV (or NDJSON) of the rows that come just before the input, in time order: they fill the model's window, baseline and seasons (three seasons for the seasonal comparison) without being scored. With a service column, each service's rows are its own past.",
            valueName: "file"))
    var history: String?

    /// The history's rows in `bundle`'s feature order (none without `--history`), their times
    /// and their services, when they have them, after saying what the input's first rows lack
    /// when a model with a season has no history. Each service's rows are that service's past
    /// (see ``ServiceSeriesWindows``).
    func rows(for bundle: ModelBundle, input: String) throws -> (
        values: Matrix, times: [Double]?, services: [String]?
    ) {
        let none = (values: Matrix(rows: 0, columns: bundle.features.count), times: [Double]?.none, services: [String]?.none)
        guard bundle.window.isTemporal else {
            if history != nil { Console.note("note: --history is not used: the model scores each row alone") }
            return none
        }
        guard let history else {
            if let season = bundle.window.seasonLength {
                let rows = SeasonalReference.seasons * season
                Console.note(
                    "note: the model compares each row with the same time in the last \(SeasonalReference.seasons) seasons of \(season) rows; so the first \(rows) rows of \(input) (of each service's, when it names services; all of them in a shorter file) have no seasonal comparison (--history <earlier rows> supplies the seasons before them)"
                )
            }
            return none
        }
        let text: String
        do {
            text = try String(contentsOfFile: history, encoding: .utf8)
        } catch {
            throw DatasetError.unreadable(path: history)
        }
        if text.drop(while: { $0.isWhitespace }).first == "{" { return try Self.ndjsonRows(text, source: history, features: bundle.features) }
        let reader = CSVDatasetReader(features: bundle.features, labelColumn: nil)
        let (dataset, report) = try reader.read(text: text, source: history)
        if let line = report.firstOutOfOrderLine {
            throw CommandFailure("--history \(history), line \(line): the time goes backwards; the rows must be in time order")
        }
        return (dataset.values, dataset.times, dataset.services)
    }

    /// The rows of an NDJSON history (one object per line naming the features, as `vigil score`
    /// reads them), with their times and services when every line has them.
    private static func ndjsonRows(_ text: String, source: String, features: [String]) throws -> (
        values: Matrix, times: [Double]?, services: [String]?
    ) {
        var values: [Float] = []
        var times: [Double] = []
        var services: [String?] = []
        var order = SeriesOrderCheck()
        for (index, line) in LineEnding.lines(of: text).enumerated() where !line.allSatisfy(\.isWhitespace) {
            let (time, service) = try JSONRecord.parse(String(line), lineNumber: index + 1, source: source, features: features, into: &values)
            order.observe(time: time, service: service, lineNumber: index + 1)
            times.append(time)
            services.append(service)
        }
        if let line = order.firstOutOfOrderLine {
            throw CommandFailure("--history \(source), line \(line): the time goes backwards; the rows must be in time order")
        }
        let rows = times.count
        let allTimed = !times.contains { $0.isNaN }
        let allNamed = !services.contains(nil)
        return (Matrix(rows: rows, columns: features.count, values: values), allTimed ? times : nil, allNamed ? services.map { $0! } : nil)
    }

    /// A series per service for `bundle`'s window, with the history read in as their past, and
    /// the check that the input comes after it.
    func seriesWindows(for bundle: ModelBundle, input: String) throws -> (series: ServiceSeriesWindows, overlap: HistoryOverlap) {
        let earlier = try rows(for: bundle, input: input)
        var series = ServiceSeriesWindows(bundle.window, features: bundle.features.count)
        series.readHistory(earlier.values, times: earlier.times, services: earlier.services)
        return (series, HistoryOverlap(times: earlier.times, services: earlier.services))
    }

    /// The reconstruction errors of `dataset`'s rows as `vigil score` scores them: each service's
    /// rows a series, the history its past, times placing the rows in a season. A history that
    /// does not come before the rows is warned of, or refused when `refusingOverlap`.
    /// `leavingOutReferences`: a row whose window is one of the model's nearest-neighbour
    /// references is measured from the others, as training measured it (`vigil calibrate`);
    /// `onReferences` receives how many were.
    func errors(
        of dataset: Dataset, bundle: ModelBundle, refusingOverlap: Bool = false, leavingOutReferences: Bool = false,
        onReferences: (Int) -> Void = { _ in }
    ) throws -> [Float] {
        var (series, overlap) = try seriesWindows(for: bundle, input: dataset.source)
        if let times = dataset.times {
            for (row, time) in times.enumerated() { overlap.observe(time: time, service: dataset.services?[row], row: "data row \(row + 1)") }
        }
        if refusingOverlap, let problem = overlap.problem(history: history ?? "", input: dataset.source) {
            throw CommandFailure(problem + "; nothing was changed")
        }
        noteOverlap(overlap, input: dataset.source)
        let inputs = series.inputs(dataset.values, times: dataset.times, services: dataset.services)
        noteUnused(by: series, input: dataset.source)
        guard leavingOutReferences, bundle.neighbors != nil else { return bundle.reconstructionErrors(inputs: inputs) }
        let references = bundle.identicalReferences(inputs: inputs)
        onReferences(references.count { $0 != nil })
        return bundle.reconstructionErrors(inputs: inputs, references: references)
    }

    /// Warns when the history does not come before `input` (see ``HistoryOverlap``).
    func noteOverlap(_ overlap: HistoryOverlap, input: String) {
        if let warning = overlap.warning(history: history ?? "", input: input) { Console.note(warning) }
    }

    /// Says which of the history's services `input` never named (their rows were not used).
    func noteUnused(by series: ServiceSeriesWindows, input: String) {
        guard !series.unusedHistory.isEmpty else { return }
        let names = series.unusedHistory.sorted().map { $0.isEmpty ? "(no service)" : $0 }
        Console.note("note: --history rows of \(names.joined(separator: ", ")) were not used: \(input) names no such service")
    }
}

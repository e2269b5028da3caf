import ArgumentParser
import Foundation
import VigilDetect
import VigilML

/// Where a command's rows come from: a CSV file, or the seed's synthetic generator.
struct DataOptions: ParsableArguments {
    @Option(name: .customLong("data"), help: "A CSV file with a header row (',' or ';' separated).")
    var path: String?

    @Option(help: "Draw this many rows from the seed's synthetic generator instead of reading a file.")
    var synthetic: Int?

    @Option(name: .customLong("data-seed"), help: "The generator seed for --synthetic.")
    var dataSeed: UInt64 = 42

    @Option(help: "The 0/1 label column (default: 'label', when the file has one).")
    var labelColumn: String?

    /// The label column read: the one given, or `label`.
    var labelColumnName: String { labelColumn ?? "label" }

    @Flag(
        help:
            "Skip invalid rows (a missing or non-numeric value, a wrong number of fields, a bad label or time) and report how many, instead of stopping at the first."
    )
    var skipInvalid = false

    var isSynthetic: Bool { path == nil }

    func validate() throws {
        if path != nil, synthetic != nil { throw ValidationError("give either --data FILE.csv or --synthetic N, not both") }
        if path == nil, synthetic == nil { throw ValidationError("give --data FILE.csv or --synthetic N") }
        if let synthetic, synthetic < 1 { throw ValidationError("--synthetic must be at least 1, got \(synthetic)") }
    }

    /// Reads the rows, with `features` (or the CSV's numeric columns when `nil`), reporting
    /// skipped rows and ignored columns on standard error. With `asSeries` (a model with a
    /// window, baseline or season reads each service's rows in order as a series), rows out of
    /// time order are refused.
    func load(features: [String]?, asSeries: Bool = false) throws -> Dataset {
        try loadWithInterval(features: features, asSeries: asSeries).dataset
    }

    /// ``load(features:asSeries:)``, with the rows' sampling interval in seconds when the
    /// file's time column shows a regular one; `training` says so in the advice on rows out of
    /// order.
    func loadWithInterval(features: [String]?, asSeries: Bool = false, training: Bool = false) throws -> (
        dataset: Dataset, samplingInterval: Double?
    ) {
        if let synthetic {
            var generator = SeededGenerator(seed: dataSeed)
            let dataset = SeedProfile.generate(samples: synthetic, generator: &generator)
            return (try features.map { try dataset.selecting($0) } ?? dataset, nil)
        }
        let reader = CSVDatasetReader(features: features, labelColumn: labelColumnName, skipInvalid: skipInvalid, readTimes: asSeries)
        let dataset: Dataset
        let report: CSVDatasetReader.ReadReport
        do {
            (dataset, report) = try reader.read(path: path!)
        } catch {
            throw Self.advising(error)
        }
        if let labelColumn, dataset.labels == nil {
            throw CommandFailure("\(path!) has no column named '\(labelColumn)' (--label-column)")
        }
        if !report.ignoredColumns.isEmpty {
            Console.note("note: ignoring non-numeric columns \(report.ignoredColumns.joined(separator: ", ")) (choose features with --features)")
        }
        if let column = report.unreadTimeColumn {
            Console.note("note: column '\(column)' is not read as times: its values are mostly neither epoch numbers nor ISO 8601 date-times")
        }
        if report.skippedRows > 0, let problem = report.firstProblem {
            Console.note("warning: skipped \(report.skippedRows) invalid rows; the first: \(problem.problem)")
        }
        if asSeries, let line = report.firstOutOfOrderLine {
            let alternative = training ? " (or train with --window 1 --no-baseline --season 0)" : ""
            throw CommandFailure(
                "\(path!), line \(line): the time goes backwards, but a model with a window, baseline or season reads each service's rows as a series in time order: sort the file by time\(alternative)"
            )
        }
        return (dataset, report.samplingInterval)
    }
}

extension DataOptions {
    /// `error` as a command reports it: a bad row's with the advice to skip such rows
    /// (`--skip-invalid`), any other as it is.
    static func advising(_ error: any Error) -> any Error {
        guard let error = error as? DatasetError, error.isRowProblem else { return error }
        return CommandFailure("\(error.problem) (use --skip-invalid to skip such rows)")
    }
}

extension Double {
    /// Four decimals, for tables.
    var fixed4: String { String(format: "%.4f", self) }
}

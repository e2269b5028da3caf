import ArgumentParser
import Foundation
import VigilDetect
import VigilML

/// `vigil score`: scores CSV or NDJSON rows with a model bundle, one JSON line per row.
struct ScoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Score CSV or NDJSON rows; write one JSON line per row.",
        discussion: """
            Reads a file (or standard input with '-' or no file). CSV needs a header row
            naming the model's features; NDJSON needs one object per line with them. Each
            output line has anomaly_score, is_anomaly, confidence, reconstruction_error,
            threshold, feature_scores, row (the 1-based data row) and, when the rows name
            their service, service.

            With a model trained with a window, a baseline or a season (the servers
            recipe), each service's rows (all the rows, without a service column) are one
            series in time order: each is scored with the rows before it (the first ones
            as if their past were steady, the baseline starting at the series' first row,
            the seasonal comparison from the fourth season on).
            A service column (or field) with several services scores each one's rows as
            its own series, however they interleave. When the model knows its step
            (step_seconds), a timestamp or time column or field places each row in its
            season by time: a missing row leaves a gap.
            """
    )

    @Option(help: "The model bundle directory.")
    var model = "model"

    @Argument(help: "The input file; '-' or nothing for standard input.")
    var input: String?

    @Option(help: "The input format: csv, ndjson, or auto (NDJSON when the first line starts with '{').")
    var format: InputFormat = .auto

    @Option(help: "Rows scored together.")
    var batchSize = 4096

    @Flag(help: "Skip invalid rows (and report how many) instead of stopping at the first.")
    var skipInvalid = false

    @OptionGroup var history: HistoryOption

    enum InputFormat: String, ExpressibleByArgument {
        case auto, csv, ndjson
    }

    func validate() throws {
        if batchSize < 1 { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
    }

    func run() async throws {
        let detector = try AnomalyDetector(bundle: try ModelBundle.load(from: model), path: model)
        let source = input ?? "-"
        let handle: FileHandle
        if source == "-" {
            handle = .standardInput
        } else {
            var isDirectory: ObjCBool = false
            guard !(FileManager.default.fileExists(atPath: source, isDirectory: &isDirectory) && isDirectory.boolValue),
                let file = FileHandle(forReadingAtPath: source)
            else {
                throw DatasetError.unreadable(path: source)
            }
            handle = file
        }
        let name = source == "-" ? "standard input" : source
        var reader = LineReader(handle: handle, source: name)
        let console = Console()
        defer { console.flush() }

        var firstLine: String?
        while let line = try reader.next() {
            if !Self.isBlank(line) { firstLine = line; break }
        }
        guard let firstLine else { throw DatasetError.empty(source: name) }
        let isJSON = format == .ndjson || (format == .auto && firstLine.hasPrefix("{"))
        let features = detector.features

        // Each row's time in seconds (NaN when unknown), which places it in a season, and its
        // service, whose series it continues.
        var parse: (String, Int, inout [Float], inout Double, inout String?) throws(DatasetError) -> Void
        var pending: [(String, Int)] = []
        // A window, baseline or season reads each service's rows as a series in time order: say
        // so when they are not.
        var order: SeriesOrderCheck?
        let readsTimes = detector.window.isTemporal
        if isJSON {
            parse = { line, number, values, time, service throws(DatasetError) in
                (time, service) = try JSONRecord.parse(
                    line, lineNumber: number, source: name, features: features, readTime: readsTimes, into: &values)
                order?.observe(time: time, service: service, lineNumber: number)
            }
            if readsTimes { order = SeriesOrderCheck() }
            pending.append((firstLine, reader.lineNumber))
        } else {
            var layout = try CSVLayout(headerLine: firstLine, source: name, features: features, labelColumn: nil)
            // A model that reads series reads the rows' times, unless the time column's first 100
            // values are mostly no times (a `time` column of weekdays), as `vigil train` judges it.
            layout.readsTimes = readsTimes
            if readsTimes, let position = layout.timePosition {
                while pending.count < 100, let line = try reader.next() { pending.append((line, reader.lineNumber)) }
                let texts = pending.compactMap { line, number in
                    (try? layout.fields(of: line, lineNumber: number)).flatMap { layout.timeText(of: $0) }
                }
                if !CSVLayout.timesReadable(in: texts) {
                    layout.readsTimes = false
                    Console.note(
                        "note: column '\(layout.header[position])' is not read as times: its values are mostly neither epoch numbers nor ISO 8601 date-times"
                    )
                }
            }
            if readsTimes { order = SeriesOrderCheck(layout: layout) }
            if readsTimes || layout.servicePosition != nil {
                parse = { line, number, values, time, service throws(DatasetError) in
                    let fields = try layout.fields(of: line, lineNumber: number)
                    _ = try layout.parse(fields: fields, lineNumber: number, into: &values, time: &time, service: &service)
                    order?.observe(time: time, service: service, lineNumber: number)
                }
            } else {
                // Times and services only matter to series: not read for a model without one.
                parse = { line, number, values, _, _ throws(DatasetError) in _ = try layout.parse(line, lineNumber: number, into: &values) }
            }
        }

        var values: [Float] = []
        var times: [Double] = []
        var services: [String] = []
        var named: [Bool] = []  // whether each row named its service
        var rowNumbers: [Int] = []
        var dataRow = 0
        var skipped = 0
        var firstProblem: DatasetError?
        // A series per service: a model with a window sees each row with its service's rows
        // before it, across batches.
        var (series, overlap) = try history.seriesWindows(for: detector.bundle, input: name)
        let writer = ScoreWriter(features: features)
        var output = ""
        func scoreBatch() {
            guard !rowNumbers.isEmpty else { return }
            let inputs = series.inputs(
                Matrix(rows: rowNumbers.count, columns: features.count, values: values), times: times,
                services: named.contains(true) ? services : nil)
            let scores = detector.score(inputs: inputs)
            for (index, (score, row)) in zip(scores, rowNumbers).enumerated() {
                output.removeAll(keepingCapacity: true)
                var extra = [("row", String(row))]
                if named[index] { extra.append(("service", JSONText.string(services[index]))) }
                writer.write(score, extra: extra, to: &output)
                console.output(output)
            }
            values.removeAll(keepingCapacity: true)
            times.removeAll(keepingCapacity: true)
            services.removeAll(keepingCapacity: true)
            named.removeAll(keepingCapacity: true)
            rowNumbers.removeAll(keepingCapacity: true)
        }
        func accept(_ line: String, _ number: Int) throws {
            guard !Self.isBlank(line) else { return }
            dataRow += 1
            do {
                var time = Double.nan
                var service: String?
                try parse(line, number, &values, &time, &service)
                overlap.observe(time: time, service: service, row: "line \(number)")
                times.append(time)
                services.append(service ?? "")
                named.append(service != nil)
                rowNumbers.append(dataRow)
            } catch {
                guard skipInvalid else {
                    scoreBatch()  // rows before the bad one are still written
                    throw DataOptions.advising(error)
                }
                skipped += 1
                if firstProblem == nil { firstProblem = error }
            }
            if rowNumbers.count >= batchSize { scoreBatch() }
        }
        for (line, number) in pending { try accept(line, number) }
        while let line = try reader.next() { try accept(line, reader.lineNumber) }
        scoreBatch()
        if skipped > 0, let firstProblem {
            Console.note("warning: skipped \(skipped) invalid rows; the first: \(firstProblem.problem)")
        }
        // Nothing scored is a failure, so that a script checking the exit status hears of it.
        guard dataRow > 0 else { throw DatasetError.empty(source: name) }
        guard skipped < dataRow else { throw CommandFailure("\(name): every one of its \(dataRow) rows was invalid, so none was scored") }
        history.noteUnused(by: series, input: name)
        history.noteOverlap(overlap, input: name)
        if let line = order?.firstOutOfOrderLine {
            Console.note("warning: \(name), line \(line): the time goes backwards, but the rows were scored in the order given")
        }
    }

    /// Whether `line` holds nothing but spaces, tabs and a carriage return.
    private static func isBlank(_ line: String) -> Bool {
        line.utf8.allSatisfy { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") || $0 == UInt8(ascii: "\r") }
    }
}

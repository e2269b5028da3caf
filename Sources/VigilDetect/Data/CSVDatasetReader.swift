import Foundation
import VigilML

/// Reads a whole CSV file (header row; `,` or `;` separated) into a ``Dataset``.
///
/// Features are the columns named in ``features``, or by default every numeric column except
/// `timestamp`, `time`, `t`, `label` and `service`. A column counts as numeric when at least
/// half of its first 100 non-empty values are numbers; the others are reported in
/// ``ReadReport/ignoredColumns``. A `label` column (0/1), when present, becomes the labels; a
/// `timestamp` (else `time`) column, the rows' ``Dataset/times`` (when ``readTimes`` and at least
/// half of its first 100 non-empty values are times; an empty cell is an unknown time); a
/// `service` column, their ``Dataset/services``.
public struct CSVDatasetReader: Sendable {
    public var features: [String]?
    public var labelColumn: String? = "label"
    /// Skip invalid rows (a missing or non-numeric value, a wrong field count, a bad label or
    /// time) instead of failing on the first one.
    public var skipInvalid = false
    /// Whether the rows' times are wanted (a model that reads rows as a series, the season
    /// search); without them a time column is not read, so its values cannot refuse a row.
    public var readTimes = true

    public init(features: [String]? = nil, labelColumn: String? = "label", skipInvalid: Bool = false, readTimes: Bool = true) {
        self.features = features
        self.labelColumn = labelColumn
        self.skipInvalid = skipInvalid
        self.readTimes = readTimes
    }

    /// What reading skipped or left out.
    public struct ReadReport: Sendable, Equatable {
        public var skippedRows = 0
        /// The first skipped row's problem, to show the user one example.
        public var firstProblem: DatasetError?
        /// Non-numeric columns left out of the automatic feature choice.
        public var ignoredColumns: [String] = []
        /// How many distinct values the `service` column holds (0 without one): each is its own
        /// series.
        public var serviceCount = 0
        /// The first line whose `timestamp` (or `time`) is earlier than the line before it:
        /// such rows are not a series in time order (see ``SeriesOrderCheck``).
        public var firstOutOfOrderLine: Int?
        /// The time between rows, in seconds, when the `timestamp` (or `time`) column shows a
        /// regular one (see ``SeriesOrderCheck/samplingInterval``).
        public var samplingInterval: Double?
        /// The `timestamp` (or `time`) column, when its values are mostly not times (see
        /// ``CSVLayout/timesReadable(in:)``): it is not read as times.
        public var unreadTimeColumn: String?
    }

    /// Reads the CSV file at `path`: any file that can be read to its end (a pipe, a FIFO,
    /// `/dev/stdin`), not only a regular one.
    public func read(path: String) throws(DatasetError) -> (dataset: Dataset, report: ReadReport) {
        var isDirectory: ObjCBool = false
        guard !(FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue),
            let handle = FileHandle(forReadingAtPath: path)
        else { throw .unreadable(path: path) }
        defer { try? handle.close() }
        var data = Data()
        // Read in chunks: bytes with no line end for longer than a line may be (a binary file,
        // `/dev/zero`) are refused, not read into memory without end.
        var sinceLineEnd = 0
        while true {
            let chunk: Data
            do {
                chunk = try handle.read(upToCount: 1 << 20) ?? Data()
            } catch {
                throw .unreadable(path: path, reason: DatasetError.reason(error))
            }
            guard !chunk.isEmpty else { break }
            if let last = chunk.lastIndex(where: { $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") }) {
                sinceLineEnd = chunk.endIndex - last - 1
            } else {
                sinceLineEnd += chunk.count
            }
            guard sinceLineEnd <= LineReader.maximumLineLength else { throw .lineTooLong(path: path, line: nil) }
            data.append(chunk)
        }
        guard !data.isEmpty else { throw .empty(source: path) }
        guard let text = String(data: data, encoding: .utf8) else { throw .unreadable(path: path, reason: DatasetError.notUTF8(data)) }
        return try read(text: text, source: path)
    }

    public func read(text: String, source: String) throws(DatasetError) -> (dataset: Dataset, report: ReadReport) {
        let lines = LineEnding.lines(of: text).enumerated().compactMap { index, line in
            line.trimmingSpaces.isEmpty ? nil : (number: index + 1, text: String(line))
        }
        guard let headerLine = lines.first else { throw .missingHeader(source: source) }
        let body = lines.dropFirst()
        let delimiter = CSVLayout.delimiter(of: headerLine.text)
        let sample = body.prefix(100).map { CSVLayout.split($0.text, delimiter: delimiter) }
        // A column's first 100 values, trimmed.
        func sampled(_ position: Int) -> [Substring] { sample.compactMap { $0.count > position ? $0[position].trimmingSpaces : nil } }
        var layout = try CSVLayout(
            headerLine: headerLine.text, source: source, features: features, labelColumn: labelColumn,
            isNumeric: { position in
                let texts = sampled(position).filter { !$0.isEmpty }
                guard !texts.isEmpty else { return true }
                return Double(texts.filter { Double($0) != nil }.count) >= 0.5 * Double(texts.count)
            })
        var report = ReadReport()
        if let position = layout.timePosition {
            let readable = CSVLayout.timesReadable(in: sampled(position))
            layout.readsTimes = readTimes && readable
            if readTimes, !readable { report.unreadTimeColumn = layout.header[position] }
        }
        let featurePositions = Set(layout.featurePositions)
        report.ignoredColumns = layout.header.enumerated().filter { position, name in
            !featurePositions.contains(position) && position != layout.labelPosition
                && !CSVLayout.reservedColumns.contains(name.lowercased()) && features == nil
        }.map(\.element)

        var values: [Float] = []
        values.reserveCapacity(body.count * layout.features.count)
        var labels: [UInt8] = []
        var times: [Double] = []
        var services: [String] = []
        var order = SeriesOrderCheck(layout: layout)
        for line in body {
            do {
                let fields = try layout.fields(of: line.text, lineNumber: line.number)
                var time = Double.nan
                var service: String?
                if let label = try layout.parse(fields: fields, lineNumber: line.number, into: &values, time: &time, service: &service) {
                    labels.append(label)
                }
                times.append(time)
                if let service { services.append(service) }
                order?.observe(time: time, service: service, lineNumber: line.number)
            } catch {
                guard skipInvalid else { throw error }
                report.skippedRows += 1
                if report.firstProblem == nil { report.firstProblem = error }
            }
        }
        report.serviceCount = order?.services.count ?? 0
        report.firstOutOfOrderLine = order?.firstOutOfOrderLine
        report.samplingInterval = order?.samplingInterval
        let rows = values.count / layout.features.count
        guard rows > 0 else { throw .empty(source: source) }
        let dataset = Dataset(
            features: layout.features, values: Matrix(rows: rows, columns: layout.features.count, values: values),
            labels: layout.labelPosition == nil ? nil : labels, source: source,
            times: times.contains(where: \.isFinite) ? times : nil, services: layout.servicePosition == nil ? nil : services)
        return (dataset, report)
    }
}

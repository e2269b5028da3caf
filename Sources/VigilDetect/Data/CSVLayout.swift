/// How the columns of one CSV header map to features and a label, and how one line of that
/// file becomes a row of values.
///
/// Shared by whole-file reading (``CSVDatasetReader``) and streaming scoring, so both accept
/// and reject exactly the same lines.
public struct CSVLayout: Sendable {
    /// Column names that are never chosen as features automatically.
    public static let reservedColumns: Set<String> = ["timestamp", "time", "t", "label", "service"]

    public let source: String
    public let delimiter: Character
    public let header: [String]
    public let features: [String]
    /// Header positions of ``features``.
    public let featurePositions: [Int]
    /// Header position of the label column, when the file has one.
    public let labelPosition: Int?
    /// Header position of the time column (`timestamp`, else `time`), when the file has one.
    public let timePosition: Int?
    /// Whether the time column is read as times: `false` when the rows' times are not wanted, or
    /// when the column holds no times (weekdays, times of day; see ``timesReadable(in:)``).
    public var readsTimes = true
    /// Header position of the `service` column, when the file has one: whose series a row is.
    public let servicePosition: Int?

    /// Reads a header line. With `features` `nil`, the features are every column not reserved,
    /// decided numeric by `isNumeric` (see ``CSVDatasetReader``).
    public init(
        headerLine: String, source: String, features: [String]?, labelColumn: String?,
        isNumeric: (Int) -> Bool = { _ in true }
    ) throws(DatasetError) {
        let delimiter = Self.delimiter(of: headerLine)
        guard Self.closesQuotes(headerLine) else { throw .unclosedQuote(source: source, line: nil) }
        let header = Self.split(headerLine, delimiter: delimiter).map { String($0.trimmingSpaces) }
        guard !header.isEmpty, !header.allSatisfy(\.isEmpty) else { throw .missingHeader(source: source) }
        var seen = Set<String>()
        for name in header where !seen.insert(name).inserted { throw .duplicateColumn(name, source: source) }
        // A file separated by tabs or bars reads as one column, and every name seems missing.
        if header.count == 1, let separator = ["\t", "|"].first(where: headerLine.contains) {
            throw .unknownSeparator(separator, source: source)
        }
        self.source = source
        self.delimiter = delimiter
        self.header = header
        // Matched as it is written, else whatever its case (`Label`), as times and services are.
        let labelPosition = labelColumn.flatMap { label in
            header.firstIndex(of: label) ?? header.firstIndex { $0.lowercased() == label.lowercased() }
        }
        self.labelPosition = labelPosition
        self.timePosition = TimeValue.names.lazy.compactMap { name in header.firstIndex { $0.lowercased() == name } }.first
        self.servicePosition = header.firstIndex { $0.lowercased() == "service" }
        // Looked up by name: a header of 10⁶ columns must not be scanned once per column.
        let positions = Dictionary(header.enumerated().map { ($1, $0) }) { first, _ in first }
        if let features {
            let missing = features.filter { positions[$0] == nil }
            guard missing.isEmpty else { throw .missingColumns(missing, source: source) }
            self.features = features
        } else {
            self.features = header.enumerated().filter { position, name in
                position != labelPosition && !Self.reservedColumns.contains(name.lowercased()) && !name.isEmpty && isNumeric(position)
            }.map(\.element)
        }
        guard !self.features.isEmpty else { throw .noFeatures(source: source) }
        self.featurePositions = self.features.map { positions[$0]! }
    }

    /// `;` when the header uses semicolons and no commas (SKAB's files), else `,`.
    static func delimiter(of headerLine: String) -> Character {
        headerLine.contains(";") && !headerLine.contains(",") ? ";" : ","
    }

    /// The fields of line `lineNumber`.
    /// - Throws: ``DatasetError/unclosedQuote(source:line:)`` when a quoted field runs to the
    ///   line's end (a field cannot span lines).
    public func fields(of line: String, lineNumber: Int) throws(DatasetError) -> [Substring] {
        guard Self.closesQuotes(line) else { throw .unclosedQuote(source: source, line: lineNumber) }
        return Self.split(line, delimiter: delimiter)
    }

    /// The feature values of one line, appended to `values`, and its label.
    /// - Throws: the first problem, naming `lineNumber` and the column.
    public func parse(_ line: String, lineNumber: Int, into values: inout [Float]) throws(DatasetError) -> UInt8? {
        try parse(fields: fields(of: line, lineNumber: lineNumber), lineNumber: lineNumber, into: &values)
    }

    /// A row's time cell, trimmed: `nil` without a time column or for a row of the wrong width.
    public func timeText(of fields: [Substring]) -> Substring? {
        guard let timePosition, fields.count == header.count else { return nil }
        return fields[timePosition].trimmingSpaces
    }

    /// Whether `texts` (a time column's first values) hold times: at least half of the non-empty
    /// ones are epoch numbers or ISO 8601 date-times (see ``TimeValue``). A `time` column of
    /// weekdays or times of day does not.
    public static func timesReadable(in texts: some Sequence<Substring>) -> Bool {
        let values = texts.filter { !$0.isEmpty }
        return Double(values.filter { TimeValue.seconds($0) != nil }.count) >= 0.5 * Double(values.count)
    }

    /// ``parse(_:lineNumber:into:)`` for a line already split (``fields(of:)``), also reading its
    /// time in seconds into `time` (NaN without a time column read as times, see ``readsTimes``,
    /// or for an empty cell) and its service into `service` (`nil` without a `service` column).
    ///
    /// - Throws: ``DatasetError/invalidTime(source:line:column:value:)`` for a time that is
    ///   neither an epoch number nor an ISO 8601 date-time, besides the errors of
    ///   ``parse(_:lineNumber:into:)``; nothing is appended then.
    public func parse(
        fields: [Substring], lineNumber: Int, into values: inout [Float], time: inout Double, service: inout String?
    ) throws(DatasetError) -> UInt8? {
        time = .nan
        if readsTimes, let text = timeText(of: fields), !text.isEmpty {
            guard let seconds = TimeValue.seconds(text) else {
                throw .invalidTime(source: source, line: lineNumber, column: header[timePosition!], value: String(text.prefix(64)))
            }
            time = seconds
        }
        let label = try parse(fields: fields, lineNumber: lineNumber, into: &values)
        service = servicePosition.map { String(fields[$0].trimmingSpaces) }
        return label
    }

    private func parse(fields: [Substring], lineNumber: Int, into values: inout [Float]) throws(DatasetError) -> UInt8? {
        guard fields.count == header.count else {
            throw .wrongFieldCount(source: source, line: lineNumber, expected: header.count, found: fields.count)
        }
        var parsed = [Float](repeating: 0, count: featurePositions.count)
        for (index, position) in featurePositions.enumerated() {
            let text = fields[position].trimmingSpaces
            guard let value = Double(decimal: text), value.isFinite, abs(value) <= MetricEvent.valueLimit else {
                throw .invalidValue(source: source, line: lineNumber, column: header[position], value: String(text))
            }
            parsed[index] = Float(value)
        }
        var label: UInt8?
        if let labelPosition {
            let text = fields[labelPosition].trimmingSpaces
            switch Double(decimal: text) {
            case 0: label = 0
            case 1: label = 1
            default: throw .invalidLabel(source: source, line: lineNumber, column: header[labelPosition], value: String(text))
            }
        }
        values.append(contentsOf: parsed)
        return label
    }

    /// Whether every quoted field of `line` is closed: its quotes pair up (`""` inside a quoted
    /// field counts twice).
    static func closesQuotes(_ line: String) -> Bool {
        line.utf8.reduce(true) { closed, byte in byte == UInt8(ascii: "\"") ? !closed : closed }
    }

    /// Splits on `delimiter`, honouring double quotes (`"a,b"` is one field; `""` is a quote).
    static func split(_ line: String, delimiter: Character) -> [Substring] {
        let utf8 = line.utf8
        if !utf8.contains(UInt8(ascii: "\"")) {
            // The common case, byte by byte (the delimiter, `,` or `;`, is ASCII): far cheaper than
            // by Character.
            let byte = delimiter.asciiValue!
            var fields: [Substring] = []
            var start = utf8.startIndex
            var index = start
            while index != utf8.endIndex {
                if utf8[index] == byte {
                    fields.append(line[start..<index])
                    start = utf8.index(after: index)
                }
                utf8.formIndex(after: &index)
            }
            fields.append(line[start..<utf8.endIndex])
            return fields
        }
        // Quotes: scalar by scalar (as Characters, a combining accent after a delimiter would
        // join it into one character, and the fields would run together).
        let separator = delimiter.unicodeScalars.first!
        var fields: [Substring] = []
        var current = String.UnicodeScalarView()
        var quoted = false
        var iterator = line.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        while let scalar = pending ?? iterator.next() {
            pending = nil
            if quoted {
                if scalar == "\"" {
                    if let next = iterator.next() {
                        if next == "\"" { current.append("\"") } else { quoted = false; pending = next }
                    } else {
                        quoted = false
                    }
                } else {
                    current.append(scalar)
                }
            } else if scalar == "\"" {
                quoted = true
            } else if scalar == separator {
                fields.append(Substring(String(current)))
                current = String.UnicodeScalarView()
            } else {
                current.append(scalar)
            }
        }
        fields.append(Substring(String(current)))
        return fields
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces, tabs and carriage returns.
    var trimmingSpaces: Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }) else { return Substring() }
        let last = lastIndex(where: { !isSpace($0) })!
        return Substring(self[first...last])
    }
}

/// Why data could not be read or used, naming the file, line and column a user must fix.
public enum DatasetError: Error, Equatable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case empty(source: String)
    case missingHeader(source: String)
    case duplicateColumn(String, source: String)
    /// The header reads as one column holding this separator (a tab, a bar), which is not one.
    case unknownSeparator(String, source: String)
    case missingColumns([String], source: String)
    case noFeatures(source: String)
    case wrongFieldCount(source: String, line: Int, expected: Int, found: Int)
    /// A quoted field that the line (`nil`: the header) does not close.
    case unclosedQuote(source: String, line: Int?)
    case invalidValue(source: String, line: Int, column: String, value: String)
    case invalidLabel(source: String, line: Int, column: String, value: String)
    /// A `timestamp` (or `time`) that is neither an epoch number nor an ISO 8601 date-time.
    case invalidTime(source: String, line: Int, column: String, value: String)
    case invalidJSON(source: String, line: Int, reason: String)
    case tooFewRows(source: String, found: Int, needed: Int)
    /// The validation hold-out took every row.
    case noTrainingRows(source: String, heldOut: Int)
    /// No epoch ended with a finite loss (extreme values, or too high a learning rate).
    case trainingDiverged(source: String)
    /// The model's errors are not finite numbers where the threshold would fall.
    case nonFiniteErrors(source: String)
    /// A model with a season learns how each feature changes from one season to the next, so its
    /// history must span several seasons.
    case tooShortForSeason(source: String, rows: Int, season: Int, seasonsNeeded: Int)
    /// Once the validation rows are held out, the training rows must still include a season of
    /// rows with three seasons before them, to learn how much each feature changes.
    case noSeasonToLearnFrom(source: String, season: Int, rowsLearnable: Int)

    public var description: String { problem }

    /// A cell as an error message shows it: its first 64 characters (then "…"), with control
    /// characters (a NUL, a tab) escaped, so that a bad cell of megabytes or of binary bytes
    /// names itself in one readable line.
    static func shown(_ value: String) -> String {
        var text = ""
        for scalar in value.unicodeScalars.prefix(64) {
            text += scalar.properties.generalCategory == .control ? scalar.escaped(asASCII: true) : String(scalar)
        }
        return value.unicodeScalars.count > 64 ? text + "…" : text
    }

    /// Whether the problem is one row's (a command with `--skip-invalid` can skip such rows).
    public var isRowProblem: Bool {
        switch self {
        case .wrongFieldCount, .invalidValue, .invalidTime, .invalidLabel, .invalidJSON: true
        case .unclosedQuote(_, let line): line != nil
        default: false
        }
    }

    /// What is wrong, naming the file, line and column.
    public var problem: String {
        switch self {
        case .unreadable(let path, let reason):
            "cannot read \(path): \(reason)"
        case .empty(let source):
            "\(source): no data rows"
        case .missingHeader(let source):
            "\(source): the first line must be a header naming the columns"
        case .duplicateColumn(let name, let source):
            "\(source): column '\(name)' appears twice in the header"
        case .unknownSeparator(let separator, let source):
            "\(source): the header reads as a single column: its names look separated by \(separator == "\t" ? "tabs" : "'\(separator)'"), but only ',' and ';' separate columns"
        case .missingColumns(let names, let source):
            "\(source): no column named \(names.map { "'\($0)'" }.joined(separator: ", "))"
        case .noFeatures(let source):
            "\(source): no numeric feature columns (timestamp, time, t, label and service are never features); name them with --features"
        case .wrongFieldCount(let source, let line, let expected, let found):
            "\(source), line \(line): expected \(expected) fields, found \(found)"
        case .unclosedQuote(let source, let line):
            "\(source), \(line.map { "line \($0)" } ?? "the header"): a quoted field is not closed before the line ends (a field cannot span lines; a quote inside a quoted field is written \"\")"
        case .invalidValue(let source, let line, let column, let value):
            "\(source), line \(line), column '\(column)': '\(Self.shown(value))' is not a number within ±\(MetricEvent.valueLimitText)"
        case .invalidTime(let source, let line, let column, let value):
            "\(source), line \(line), column '\(column)': '\(Self.shown(value))' is not a time: use seconds or milliseconds since the epoch, or an ISO 8601 date-time such as 2026-11-25T12:00:00Z (a date the month has, an offset within ±18:59)"
        case .invalidLabel(let source, let line, let column, let value):
            "\(source), line \(line), column '\(column)': label must be 0 or 1, found '\(Self.shown(value))'"
        case .invalidJSON(let source, let line, let reason):
            "\(source), line \(line): \(reason)"
        case .tooFewRows(let source, let found, let needed):
            "\(source): \(found) usable rows; at least \(needed) are needed"
        case .noTrainingRows(let source, let heldOut):
            "\(source): holding out \(heldOut) rows for validation leaves none to train on; give more rows (of each service, with --hold-out latest) or a smaller --validation-split"
        case .nonFiniteErrors(let source):
            "\(source): the model's error is not a finite number on the rows the threshold would come from (values too large for the model's 32-bit arithmetic); look for extreme values in the data"
        case .trainingDiverged(let source):
            "\(source): training diverged (the loss was NaN or infinite from the first epoch on); lower --learning-rate, or look for extreme values in the data"
        case .noSeasonToLearnFrom(let source, let season, let learnable):
            "\(source): once the validation rows are held out, \(learnable) training rows have three seasons of \(season) rows before them, fewer than a season; train on a longer history, hold out a smaller share, or choose a shorter --season (or none)"
        case .tooShortForSeason(let source, let rows, let season, let seasons):
            "\(source): \(rows) rows span less than \(seasons) seasons of \(season) rows; train on a longer history, or choose a shorter --season (or none)"
        }
    }
}

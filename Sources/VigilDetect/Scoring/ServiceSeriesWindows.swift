public import VigilML

/// The series of several services read from one file, whose rows may interleave (`vigil score`
/// on an export of many hosts): each service keeps its own ``SeriesWindow``, as each keeps its
/// own window, baseline and seasons in the service (``FeatureAssembler``).
///
/// Rows without a service (a file with no `service` column) are one series, the unnamed one. A
/// history (``readHistory(_:times:services:)``) is matched to the input by name; when only one
/// side names its services, a history of one series is the past of the input's first series.
public struct ServiceSeriesWindows: Sendable {
    public let window: TemporalWindow
    public let features: Int
    private var series: [String: SeriesWindow] = [:]
    /// The services the history named, until the input's first rows show how to match them.
    private var historyServices: Set<String>?
    /// The history's services the input has not named (yet).
    public private(set) var unusedHistory = Set<String>()

    /// The name of the series of rows that name no service.
    static let unnamed = ""

    /// Series of `features` features, each starting with no past.
    public init(_ window: TemporalWindow, features: Int) {
        self.window = window
        self.features = features
    }

    /// How many series have been seen.
    public var count: Int { series.count }

    /// Reads the rows just before the input (`--history`): they fill the series' windows,
    /// baselines and seasons without being scored.
    public mutating func readHistory(_ rows: Matrix, times: [Double]? = nil, services: [String]? = nil) {
        _ = inputs(rows, times: times, services: services)
        historyServices = Set(services ?? [Self.unnamed])
    }

    /// The model inputs for `rows`, each the next row of its service's series; `services` name
    /// each row's service (`nil`: all are the unnamed series), `times` its time in seconds (see
    /// ``SeriesWindow/inputs(_:times:)``).
    public mutating func inputs(_ rows: Matrix, times: [Double]? = nil, services: [String]? = nil) -> Matrix {
        precondition(services == nil || services!.count == rows.rows, "expected \(rows.rows) services, got \(services!.count)")
        guard window.isTemporal, rows.rows > 0 else { return rows }
        if let history = historyServices.take() { match(history, toInputStartingWith: services?.first ?? Self.unnamed) }
        if !unusedHistory.isEmpty { unusedHistory.subtract(services ?? [Self.unnamed]) }
        guard let services, let first = services.first else { return next(of: Self.unnamed, rows, times: times) }
        if services.allSatisfy({ $0 == first }) { return next(of: first, rows, times: times) }
        // Each service's rows in their order, then each input back at its row's place.
        let width = window.inputWidth(features: rows.columns)
        var values = [Float](repeating: 0, count: rows.rows * width)
        for (service, rowsOfService) in ServiceRows.grouped(services, count: rows.rows) {
            let inputs = next(of: service, rows.gatheringRows(rowsOfService), times: times.map { times in rowsOfService.map { times[$0] } })
            for (index, row) in rowsOfService.enumerated() {
                values.replaceSubrange(row * width..<(row + 1) * width, with: inputs.values[index * width..<(index + 1) * width])
            }
        }
        return Matrix(rows: rows.rows, columns: width, values: values)
    }

    /// Matches the history's series to the input's: by name when both name their services; when
    /// only one side does, a history of one series is the past of the input's first (a history
    /// without a `service` column before named rows, or one service's history before unnamed
    /// rows).
    private mutating func match(_ history: Set<String>, toInputStartingWith first: String) {
        if history.count == 1, let only = history.first, (only == Self.unnamed) != (first == Self.unnamed) {
            series[first] = series.removeValue(forKey: only)
        } else {
            unusedHistory = history
        }
    }

    private mutating func next(of service: String, _ rows: Matrix, times: [Double]?) -> Matrix {
        series[service, default: SeriesWindow(window, features: features)].inputs(rows, times: times)
    }
}

extension Optional {
    /// The value, leaving `nil` behind.
    fileprivate mutating func take() -> Wrapped? {
        defer { self = nil }
        return self
    }
}

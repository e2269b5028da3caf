public import VigilML

/// The series of several services read from one file, whose rows may interleave (`vigil score`
/// on an export of many hosts): each service keeps its own ``SeriesWindow``, as each keeps its
/// own window, baseline and seasons in the service (``FeatureAssembler``).
///
/// Rows without a service (a file with no `service` column) are one series, under the name "".
/// Such rows read first, as a `--history` without a `service` column, become the past of the
/// first service that follows.
public struct ServiceSeriesWindows: Sendable {
    public let window: TemporalWindow
    private let start: [Double]
    private var series: [String: SeriesWindow] = [:]

    /// - Parameter start: where each series' baseline begins (the training means).
    public init(_ window: TemporalWindow, start: [Double]) {
        self.window = window
        self.start = start
    }

    /// How many series have been seen.
    public var count: Int { series.count }

    /// The model inputs for `rows`, each the next row of its service's series; `services` name
    /// each row's service (`nil`: all are the unnamed series), `times` its time in seconds (see
    /// ``SeriesWindow/inputs(_:times:)``).
    public mutating func inputs(_ rows: Matrix, times: [Double]? = nil, services: [String]? = nil) -> Matrix {
        precondition(services == nil || services!.count == rows.rows, "expected \(rows.rows) services, got \(services!.count)")
        guard window.isTemporal else { return rows }
        guard let services, let first = services.first else { return next(of: "", rows, times: times) }
        if series[first] == nil, let unnamed = series.removeValue(forKey: "") { series[first] = unnamed }
        if services.allSatisfy({ $0 == first }) { return next(of: first, rows, times: times) }
        // Each service's rows in their order, then each input back at its row's place.
        var positions: [String: [Int]] = [:]
        var order: [String] = []
        for (row, service) in services.enumerated() {
            if positions[service] == nil { order.append(service) }
            positions[service, default: []].append(row)
        }
        let width = window.inputWidth(features: rows.columns)
        var values = [Float](repeating: 0, count: rows.rows * width)
        for service in order {
            let rowsOfService = positions[service]!
            let inputs = next(of: service, rows.gatheringRows(rowsOfService), times: times.map { times in rowsOfService.map { times[$0] } })
            for (index, row) in rowsOfService.enumerated() {
                values.replaceSubrange(row * width..<(row + 1) * width, with: inputs.values[index * width..<(index + 1) * width])
            }
        }
        return Matrix(rows: rows.rows, columns: width, values: values)
    }

    private mutating func next(of service: String, _ rows: Matrix, times: [Double]?) -> Matrix {
        series[service, default: SeriesWindow(window, start: start)].inputs(rows, times: times)
    }
}

/// Watches the rows read for what breaks "each service's rows in time order", which a model
/// with a window or baseline assumes: a `timestamp` (or `time`) that goes backwards within a
/// service. Also counts the services and finds the rows' sampling interval, from which a season
/// of one day follows. It sees each row as parsed (``CSVLayout/parse(fields:lineNumber:into:time:service:)``),
/// so a row refused or skipped does not count.
///
/// Tested through ``CSVDatasetReader``'s ``CSVDatasetReader/ReadReport``.
public struct SeriesOrderCheck: Sendable {
    /// Each service's latest time in seconds ("" for a file without a `service` column).
    private var previousTimes: [String: Double] = [:]
    /// The distinct services seen.
    public private(set) var services = Set<String>()
    /// The first line whose time is earlier than its service's line before it.
    public private(set) var firstOutOfOrderLine: Int?
    /// The gaps between consecutive times (in seconds) among the first ``intervalSample`` rows.
    private var gaps: [Double] = []
    /// The services among the rows whose times were sampled.
    private var sampledServices = Set<String>()
    private var timesRead = 0
    /// How many rows' times are read to find the sampling interval.
    static let intervalSample = 1000

    /// `nil` when the rows have neither a `service` column nor times read: nothing to check.
    public init?(layout: CSVLayout) {
        guard layout.servicePosition != nil || (layout.timePosition != nil && layout.readsTimes) else { return nil }
    }

    /// A check of rows that may name their service and time (NDJSON).
    public init() {}

    /// The time between rows, in seconds, when nearly all gaps between consecutive times (nine
    /// in ten) are within 2 % of a whole number of the median gap (a scrape's jitter, the steps a
    /// missed scrape skips): their mean per step, to the whole second when it is within 0.1 % of
    /// one. `nil` without a readable time column or so regular a gap. (Rows are placed in a
    /// season by their time at this interval; an irregular series has no day of a fixed number
    /// of steps.)
    public var samplingInterval: Double? {
        guard !gaps.isEmpty else { return nil }
        let median = gaps.sorted()[gaps.count / 2]
        var regular = 0
        var span = 0.0
        var steps = 0.0
        for gap in gaps {
            let count = (gap / median).rounded()
            guard count >= 1, abs(gap - count * median) <= Self.jitter * median else { continue }
            regular += 1
            span += gap
            steps += count
        }
        // Each series' first time has no gap before it.
        guard 10 * regular >= 9 * max(1, timesRead - sampledServices.count) else { return nil }
        let interval = span / steps
        return abs(interval - interval.rounded()) <= 0.001 * interval ? interval.rounded() : interval
    }

    /// How far a gap may stray from a whole number of intervals, as a share of the interval.
    static let jitter = 0.02

    /// Watches one row as parsed: its time in seconds (NaN when unknown) and its service (`nil`
    /// without a `service` column).
    public mutating func observe(time seconds: Double, service: String?, lineNumber: Int) {
        if let service { services.insert(service) }
        let service = service ?? ""
        if seconds.isFinite {
            let previous = previousTimes[service]
            if let previous, firstOutOfOrderLine == nil, seconds < previous { firstOutOfOrderLine = lineNumber }
            previousTimes[service] = seconds
            if timesRead < Self.intervalSample {
                timesRead += 1
                sampledServices.insert(service)
                if let previous, seconds > previous { gaps.append(seconds - previous) }
            }
        }
    }
}

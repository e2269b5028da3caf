public import VigilML

/// Finds a daily season in rows that carry no usable times (an export with a row index for a
/// time column): the number of rows after which the series repeats itself, among the rows per
/// day of the common sampling intervals.
///
/// A daily rhythm makes each metric correlate with itself one day later and anti-correlate
/// half a day later (the quiet night against the busy afternoon). So a candidate `L` counts when
/// the metrics' mean autocorrelation at `L` lags is at least ``minimumCorrelation`` and exceeds
/// the one at `L / 2` by at least ``minimumContrast``; a series that is merely smooth correlates
/// more at `L / 2` than at `L`, and noise at neither. Two days also repeat a day, so of the
/// candidates within 80 % of the best contrast the shortest is taken.
public enum SeasonSearch {
    /// A season found: its length in rows and the evidence for it.
    public struct Finding: Sendable, Equatable {
        public var rows: Int
        /// The metrics' mean autocorrelation at `rows` lags.
        public var correlation: Double
        /// The same at `rows / 2` lags.
        public var halfCorrelation: Double
        /// How much more the series correlates with itself a season later than half a season later.
        public var contrast: Double { correlation - halfCorrelation }
    }

    /// Rows per day at a sample every 10, 15, 20 and 30 seconds, 1, 2, 3, 5, 10, 15 and 30
    /// minutes, and 1 hour.
    public static let candidates = [8640, 5760, 4320, 2880, 1440, 720, 480, 288, 144, 96, 48, 24]
    public static let minimumCorrelation = 0.3
    public static let minimumContrast = 0.25

    /// The daily season of `series` (one series' rows in time order), or `nil` when none is clear;
    /// only candidates with `seasonsNeeded` seasons in the rows are tried.
    public static func find(in series: Matrix, seasonsNeeded: Int) -> Finding? {
        precondition(seasonsNeeded >= 2, "a season is told from at least two of them")
        let columns = standardizedColumns(series)
        guard !columns.isEmpty else { return nil }
        var found: [Finding] = []
        for rows in candidates where series.rows >= seasonsNeeded * rows {
            let finding = Finding(
                rows: rows, correlation: meanAutocorrelation(columns, lag: rows), halfCorrelation: meanAutocorrelation(columns, lag: rows / 2))
            if finding.correlation >= minimumCorrelation, finding.contrast >= minimumContrast { found.append(finding) }
        }
        guard let best = found.map(\.contrast).max() else { return nil }
        return found.filter { $0.contrast >= 0.8 * best }.min { $0.rows < $1.rows }
    }

    /// Each column that varies, as z-scores.
    private static func standardizedColumns(_ series: Matrix) -> [[Double]] {
        (0..<series.columns).compactMap { column in
            let values = (0..<series.rows).map { Double(series[$0, column]) }
            let mean = values.reduce(0, +) / Double(values.count)
            let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
            guard variance > 0, variance.isFinite else { return nil }
            let deviation = variance.squareRoot()
            return values.map { ($0 - mean) / deviation }
        }
    }

    private static func meanAutocorrelation(_ columns: [[Double]], lag: Int) -> Double {
        let sum = columns.reduce(0.0) { total, column in
            var products = 0.0
            for t in 0..<(column.count - lag) { products += column[t] * column[t + lag] }
            return total + products / Double(column.count - lag)
        }
        return sum / Double(columns.count)
    }
}

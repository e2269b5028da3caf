public import VigilML

/// Rows of feature values, with their names and optional 0/1 labels: what training,
/// calibration, scoring and evaluation read.
public struct Dataset: Sendable, Equatable {
    /// Feature names, one per column of ``values``.
    public var features: [String]
    public var values: Matrix
    /// 1 for an anomalous row, 0 for a normal one; `nil` when the data has no labels.
    public var labels: [UInt8]?
    /// Where the rows came from, for messages and model metadata (a file name, `synthetic:seed`).
    public var source: String
    /// Each row's time in seconds (see ``TimeValue``), NaN where it is unknown (an empty cell);
    /// `nil` when the rows have no time, or their times were not read. A model with a season
    /// places the rows by it (a row without one is the next step).
    public var times: [Double]?
    /// Each row's service (its `service` column), `nil` when the rows do not say: whose series
    /// each row belongs to when a file holds several.
    public var services: [String]?

    public init(
        features: [String], values: Matrix, labels: [UInt8]? = nil, source: String, times: [Double]? = nil, services: [String]? = nil
    ) {
        precondition(features.count == values.columns, "\(features.count) names for \(values.columns) columns")
        precondition(labels == nil || labels!.count == values.rows, "labels and rows differ in count")
        precondition(times == nil || times!.count == values.rows, "times and rows differ in count")
        precondition(services == nil || services!.count == values.rows, "services and rows differ in count")
        self.features = features
        self.values = values
        self.labels = labels
        self.source = source
        self.times = times
        self.services = services
    }

    public var rowCount: Int { values.rows }

    /// The rows of the longest series: of the service with the most rows, or all of them when
    /// the rows name no service.
    public var longestSeries: Int { services == nil ? rowCount : longestSeriesRows.count }

    /// The values of the longest series (see ``longestSeries``; of equal ones, the first to
    /// appear), in order.
    public var longestSeriesValues: Matrix { services == nil ? values : values.gatheringRows(longestSeriesRows) }

    private var longestSeriesRows: [Int] {
        ServiceRows.grouped(services, count: rowCount).reduce(into: [Int]()) { longest, group in
            if group.rows.count > longest.count { longest = group.rows }
        }
    }

    /// The rows at `indices`, in that order, with their labels.
    public func subset(_ indices: some Collection<Int>) -> Dataset {
        Dataset(
            features: features, values: values.gatheringRows(indices), labels: labels.map { labels in indices.map { labels[$0] } }, source: source,
            times: times.map { times in indices.map { times[$0] } }, services: services.map { services in indices.map { services[$0] } })
    }

    /// The same rows with columns reordered (and selected) to match `names`.
    /// - Throws: ``DatasetError/missingColumns(_:source:)`` when a name is not among ``features``.
    public func selecting(_ names: [String]) throws(DatasetError) -> Dataset {
        if names == features { return self }
        let missing = names.filter { !features.contains($0) }
        guard missing.isEmpty else { throw .missingColumns(missing, source: source) }
        let positions = names.map { features.firstIndex(of: $0)! }
        var values = [Float]()
        values.reserveCapacity(rowCount * names.count)
        for row in 0..<rowCount {
            for position in positions { values.append(self.values[row, position]) }
        }
        return Dataset(
            features: names, values: Matrix(rows: rowCount, columns: names.count, values: values), labels: labels, source: source, times: times,
            services: services)
    }

    /// A 64-bit FNV-1a digest of the feature names and values, recorded in a model's metadata so
    /// a user can tell which data a model was trained on.
    public var fingerprint: String {
        var digest = FNV1a64()
        for name in features {
            digest.mix(name.utf8)
            digest.mix(0)
        }
        for value in values.values {
            let bits = value.bitPattern
            for shift in stride(from: 0, to: 32, by: 8) { digest.mix(UInt8(truncatingIfNeeded: bits >> UInt32(shift))) }
        }
        return digest.text
    }
}

/// Maximal runs of consecutive anomalous points: the unit of point adjustment and of
/// window-based scoring.
public enum Segments {
    /// The runs of `true` in `flags`, as index ranges.
    public static func of(_ flags: [Bool]) -> [Range<Int>] {
        var segments: [Range<Int>] = []
        var start: Int?
        for (index, flag) in flags.enumerated() {
            if flag, start == nil { start = index }
            if !flag, let first = start {
                segments.append(first..<index)
                start = nil
            }
        }
        if let first = start { segments.append(first..<flags.count) }
        return segments
    }

    /// The runs of label 1 in `labels`.
    public static func of(_ labels: [UInt8]) -> [Range<Int>] {
        of(labels.map { $0 == 1 })
    }
}

/// The "point-adjusted" protocol common in the literature (Xu et al., 2018): when any point of a
/// labelled segment is flagged, the whole segment counts as flagged.
///
/// It inflates figures a lot (uniform random scores reach F1 0.90 on SMD with it), so Vigil
/// reports it only beside the point-wise figures, never instead of them.
///
/// A segment is a run within one series: with `services` (each row's service, in a file whose
/// services interleave), each service's rows in their order, so that another service's rows in
/// between do not cut one service's incident into single points.
public enum PointAdjustment {
    public static func adjust(_ predictions: [Bool], labels: [UInt8], services: [String]? = nil) -> [Bool] {
        precondition(predictions.count == labels.count, "predictions and labels differ in count")
        var adjusted = predictions
        for (_, rows) in ServiceRows.grouped(services, count: labels.count) {
            for segment in Segments.of(rows.map { labels[$0] }) where segment.contains(where: { predictions[rows[$0]] }) {
                for index in segment { adjusted[rows[index]] = true }
            }
        }
        return adjusted
    }
}

/// NAB-style scoring of a streaming detector's flags against labelled anomaly windows: which
/// windows it caught, how early, and how many false alarms it raised elsewhere.
///
/// A false-alarm event is a maximal run of flagged points outside every window; an operator
/// sees one alert per run, so a run counts once however long it is. A flag raised before a
/// window and held into it is a false alarm (its points before the window) and a detection (at
/// the window's first point); one held past a window's end is a false alarm too. Points before
/// `scoredFrom` (the learning period) are not scored.
public struct WindowScore: Sendable, Equatable {
    /// One labelled window and the detector's first flag in it.
    public struct Window: Sendable, Equatable {
        public var range: ClosedRange<Int>
        /// Index of the first flagged point inside the window.
        public var firstFlag: Int?

        public var detected: Bool { firstFlag != nil }

        /// Share of the window still ahead at the first flag: 1 = at its first point, near 0 = at
        /// its last; `nil` when missed.
        public var earliness: Double? {
            firstFlag.map { Double(range.upperBound - $0 + 1) / Double(range.count) }
        }
    }

    public var windows: [Window]
    public var falseAlarmEvents: Int
    /// Points scored (after the learning period).
    public var points: Int
    /// Scored points flagged: a detector that never lowers its flag catches every window with no
    /// false-alarm event, and only this shows it.
    public var flaggedPoints: Int

    public init(flags: [Bool], windows ranges: [ClosedRange<Int>], scoredFrom start: Int = 0) {
        let start = min(max(start, 0), flags.count)
        points = flags.count - start
        windows = ranges.map { range in
            Window(range: range, firstFlag: range.first { $0 >= start && $0 < flags.count && flags[$0] })
        }
        let scored = flags.indices.map { $0 >= start && flags[$0] }
        flaggedPoints = scored.count { $0 }
        var outside = scored
        for range in ranges {
            for index in range where outside.indices.contains(index) { outside[index] = false }
        }
        falseAlarmEvents = Segments.of(outside).count
    }

    public var detectedWindows: Int { windows.count { $0.detected } }

    /// False-alarm events per 1,000 scored points.
    public var falseAlarmsPerThousand: Double {
        points == 0 ? 0 : Double(falseAlarmEvents) * 1000 / Double(points)
    }
}

/// Which leading rows of a series a protocol learns from; the rest is scored.
public enum LearningPeriod: Sendable, Equatable {
    /// The first `n` rows (SKAB's leaderboard protocol uses 400).
    case rows(Int)
    /// The first share of the rows (NAB uses 15 %).
    case fraction(Double)

    /// How many of `total` rows are for learning.
    public func rows(of total: Int) -> Int {
        switch self {
        case .rows(let count): min(max(count, 0), total)
        case .fraction(let share): min(max(Int((Double(total) * share).rounded(.down)), 0), total)
        }
    }
}

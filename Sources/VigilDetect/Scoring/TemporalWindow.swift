import Foundation
public import VigilML

/// The temporal context a model sees: its input at time t is the entity's last ``length``
/// vectors, newest first, so that it can judge a value by what came just before it (a jump, an
/// oscillation, a stall) and not only by where it lies.
///
/// The input holds `length × features` values: the vector at t, then the one at t − 1, and so on.
/// With ``differences``, every older slot holds the change into its successor instead
/// (x[t−k+1] − x[t−k]): the newest vector keeps the level, the rest carry the motion. Before a
/// series has `length` vectors, its oldest vector stands in for the missing ones.
///
/// With a ``baselineHalfLife``, every vector is first replaced by its deviation from the series'
/// own slow baseline: an exponentially weighted mean of the vectors before it, which starts at
/// the series' first vector and forgets with that half-life (in time steps). A series that
/// drifts to a new level, or a new service at a level of its own, is then judged by what it
/// does there, not by how far it is from the level of the training rows. A lone vector, with no
/// series behind it, is measured from the training means.
///
/// With a ``seasonLength``, the input also carries each feature's change from the same time in
/// the seasons before (the median of the last three days, for a season of one day, see
/// ``SeasonalReference``), in raw units, after the network's part: it feeds the
/// ``SeasonalProfile``'s evidence, not the network. A server with a daily rhythm is then also
/// judged against that rhythm: a busy afternoon that stays quiet, or a busy night. Until a
/// series has three seasons behind it, these changes are unknown (NaN).
///
/// The same window is used in training, in `vigil score`, and in the service's per-service
/// feature assembly: it is part of the model bundle.
public struct TemporalWindow: Sendable, Equatable, Hashable, Codable, CustomStringConvertible {
    /// How many vectors the model sees; 1 is the vector alone.
    public var length: Int
    /// Whether the older slots hold first differences rather than values.
    public var differences: Bool
    /// The half-life, in time steps, of each series' baseline; `nil` for raw values.
    public var baselineHalfLife: Double?
    /// How many time steps make a season (one day at the series' sampling interval: 288 at five
    /// minutes); `nil` for no seasonal comparison.
    public var seasonLength: Int?
    /// The time between steps, in seconds, when the training rows showed it (their timestamps):
    /// the service, and a file with a time column, then place each step of a season by its time,
    /// so that steps that never arrive (a missed scrape, an outage) leave gaps instead of
    /// shifting the comparisons of the next three seasons (see ``missedSteps(from:to:)``).
    /// `nil`: every row or step counts as the next one.
    public var stepSeconds: Double?

    /// The longest window a bundle may declare.
    public static let maximumLength = 1000
    /// The longest baseline half-life a bundle may declare, in steps (beyond it a step's weight
    /// rounds to nothing).
    public static let maximumBaselineHalfLife = 1e6
    /// The longest season a bundle may declare: a week of one-minute samples.
    public static let maximumSeasonLength = 7 * 24 * 60
    /// The vector alone: no temporal context.
    public static let none = TemporalWindow(length: 1)

    public init(
        length: Int, differences: Bool = false, baselineHalfLife: Double? = nil, seasonLength: Int? = nil, stepSeconds: Double? = nil
    ) {
        self.length = length
        self.differences = differences
        self.baselineHalfLife = baselineHalfLife
        self.seasonLength = seasonLength
        self.stepSeconds = stepSeconds
    }

    enum CodingKeys: String, CodingKey {
        case length, differences
        case baselineHalfLife = "baseline_half_life"
        case seasonLength = "season_length"
        case stepSeconds = "step_seconds"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        length = try container.decode(Int.self, forKey: .length)
        differences = try container.decodeIfPresent(Bool.self, forKey: .differences) ?? false
        baselineHalfLife = try container.decodeIfPresent(Double.self, forKey: .baselineHalfLife)
        seasonLength = try container.decodeIfPresent(Int.self, forKey: .seasonLength)
        stepSeconds = try container.decodeIfPresent(Double.self, forKey: .stepSeconds)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(length, forKey: .length)
        try container.encode(differences, forKey: .differences)
        try container.encodeIfPresent(baselineHalfLife, forKey: .baselineHalfLife)
        try container.encodeIfPresent(seasonLength, forKey: .seasonLength)
        try container.encodeIfPresent(stepSeconds, forKey: .stepSeconds)
    }

    public var description: String {
        var parts: [String] = []
        if length > 1 { parts.append("\(length) vectors" + (differences ? " (first differences)" : "")) }
        if let baselineHalfLife { parts.append("deviations from a baseline with a half-life of \(String(format: "%g", baselineHalfLife)) steps") }
        if let seasonLength {
            parts.append(
                "changes from the median of the same step in the last 3 seasons of \(seasonLength) steps"
                    + (stepSeconds.map { " (\(String(format: "%g", $0)) s each)" } ?? ""))
        }
        return parts.isEmpty ? "none" : parts.joined(separator: ", ")
    }

    /// Whether the model sees anything but the vector alone.
    public var isTemporal: Bool { length > 1 || baselineHalfLife != nil || seasonLength != nil }

    /// Why the window cannot be used, or `nil` when it can.
    public var problem: String? {
        guard (1...Self.maximumLength).contains(length) else { return "length must be in 1...\(Self.maximumLength), found \(length)" }
        if differences, length < 2 { return "differences need a length of 2 or more" }
        if let baselineHalfLife, !(baselineHalfLife > 0 && baselineHalfLife <= Self.maximumBaselineHalfLife) {
            return "baseline_half_life must be in (0, \(Int(Self.maximumBaselineHalfLife))] steps, found \(baselineHalfLife)"
        }
        if let seasonLength, !(2...Self.maximumSeasonLength).contains(seasonLength) {
            return "season_length must be in 2...\(Self.maximumSeasonLength) steps, found \(seasonLength)"
        }
        if let stepSeconds, !(stepSeconds > 0 && stepSeconds.isFinite) {
            return "step_seconds must be a positive number of seconds, found \(stepSeconds)"
        }
        return nil
    }

    /// The model's input width for `features` features: the network's part, then the seasonal
    /// changes.
    public func inputWidth(features: Int) -> Int { networkWidth(features: features) + (seasonLength == nil ? 0 : features) }

    /// The network's input width for `features` features: every feature at every step.
    public func networkWidth(features: Int) -> Int { features * length }

    /// The names of the model's inputs: `cpu`, then `cpu[t-1]` (or `Δcpu[t-1]`) and so on, then
    /// `cpu[t]-median(cpu[t-288k])` (k = 1, 2, 3) with a season of 288.
    public func inputNames(_ features: [String]) -> [String] {
        let network = (0..<length).flatMap { lag in
            features.map { name in lag == 0 ? name : (differences ? "Δ" : "") + "\(name)[t-\(lag)]" }
        }
        return network + (seasonLength.map { season in features.map { "\($0)[t]-median(\($0)[t-\(season)k])" } } ?? [])
    }

    /// Turns a stacked window (`length` vectors, newest first) into the model's input, in place.
    @inline(__always)
    func encode(_ stacked: UnsafeMutablePointer<Float>, features: Int) {
        guard differences else { return }
        // From the oldest slot up, so each slot still reads its newer neighbour's value.
        for lag in stride(from: length - 1, through: 1, by: -1) {
            let slot = stacked + lag * features
            let newer = slot - features
            for i in 0..<features { slot[i] = newer[i] - slot[i] }
        }
    }

    /// How many steps never came between a step at `earlier` and one at `later` (in seconds): 0
    /// without a ``stepSeconds``, for times that are not finite, and for the next step or an
    /// earlier one. Capped at 10¹², well past any season.
    public func missedSteps(from earlier: Double, to later: Double) -> Int {
        guard let stepSeconds else { return 0 }
        let steps = ((later - earlier) / stepSeconds).rounded()
        guard steps.isFinite, steps > 1 else { return 0 }
        return Int(min(steps, 1e12)) - 1
    }

    /// The model inputs for `vectors` taken one by one, each without a past (the batch endpoint):
    /// with a baseline, each is judged against `means` (the training means), the only level it
    /// can be compared with.
    public func inputs(separately vectors: [[Double]], means: [Double]) -> Matrix {
        let features = means.count
        var values: [Float] = []
        values.reserveCapacity(vectors.count * inputWidth(features: features))
        for vector in vectors {
            precondition(vector.count == features, "expected \(features) values, got \(vector.count)")
            let row = vector.map(Float.init)
            guard isTemporal else {
                // The vector alone is its input: no series to build (the batch endpoint's hot path).
                values += row
                continue
            }
            var series = SeriesWindow(self, judgingAgainst: means)
            values += series.inputs(Matrix(rows: 1, columns: features, values: row)).values
        }
        return Matrix(rows: vectors.count, columns: inputWidth(features: features), values: values)
    }

    /// The model inputs for stacked windows (`length × features` values each, newest first, already
    /// relative to their baseline when there is one; then the seasonal changes when there is a
    /// season), such as ``FeatureAssembler`` returns.
    public func inputs(stacked windows: [[Double]], features: Int) -> Matrix {
        let width = inputWidth(features: features)
        var values = [Float](repeating: 0, count: windows.count * width)
        values.withUnsafeMutableBufferPointer { buffer in
            for (row, window) in windows.enumerated() {
                precondition(window.count == width, "expected \(width) values, got \(window.count)")
                let start = buffer.baseAddress! + row * width
                for i in 0..<width { start[i] = Float(window[i]) }
                encode(start, features: features)
            }
        }
        return Matrix(rows: windows.count, columns: width, values: values)
    }

    /// The model inputs for a whole series (rows in time order) seen from its start. `times` are
    /// the rows' times in seconds, when the rows have them (see ``SeriesWindow/inputs(_:times:)``).
    public func inputs(series rows: Matrix, times: [Double]? = nil) -> Matrix {
        var series = SeriesWindow(self, features: rows.columns)
        return series.inputs(rows, times: times)
    }
}

/// A series' slow baseline: an exponentially weighted mean of its past vectors.
///
/// A series' own baseline starts empty: each feature's level is its first value, and until a
/// feature has a history as long as the half-life asks for, its past values are weighted as if
/// they were all there is (the bias-corrected mean, `Σ(1 − w)^k·x / Σ(1 − w)^k` over the values
/// seen). A new service is then judged by what it does from its first step, not by how far its
/// level is from the mean of all the services trained on. An unknown value (NaN: a feature not
/// reported, or stale) deviates by 0 and leaves the baseline as it is: it says nothing about
/// the level.
public struct Baseline: Sendable, Equatable {
    /// Each feature's level; NaN until its first value.
    public private(set) var level: [Double]
    /// Each feature's `(1 − w)^n` after n values: the share of a full history still missing
    /// (1 for none seen, 0 for a settled baseline).
    public private(set) var unseen: [Double]
    /// The weight of each new vector: `1 − 2^(−1 / half-life)`.
    let weight: Double

    /// Whether no vector has joined it yet.
    public var hasNoPast: Bool { unseen.allSatisfy { $0 == 1 } }

    /// A baseline with no past.
    public init(features: Int, halfLife: Double) {
        self.init(level: [Double](repeating: .nan, count: features), unseen: [Double](repeating: 1, count: features), halfLife: halfLife)
    }

    /// A baseline at `level` with a history of `unseen` (see ``unseen``; 0, settled, by default): a
    /// vector judged on its own against the training means, or a saved baseline going on.
    public init(level: [Double], unseen: [Double]? = nil, halfLife: Double) {
        precondition(unseen == nil || unseen!.count == level.count, "one weight per feature")
        self.level = level
        self.unseen = unseen ?? [Double](repeating: 0, count: level.count)
        weight = 1 - pow(2, -1 / halfLife)
    }

    /// `vector`'s deviation from the baseline of the vectors before it (0 where either is
    /// unknown); the vector then joins it.
    public mutating func deviation(of vector: [Double]) -> [Double] {
        var deviation = vector
        for i in vector.indices {
            guard vector[i].isFinite else {
                deviation[i] = 0
                continue
            }
            deviation[i] = level[i].isNaN ? 0 : vector[i] - level[i]
            unseen[i] *= 1 - weight
            // w / (1 − (1 − w)^n): 1 for the first value, w once the history is long.
            level[i] = level[i].isNaN ? vector[i] : level[i] + weight / (1 - unseen[i]) * deviation[i]
        }
        return deviation
    }

    /// `vector`'s deviation from the baseline, without joining it.
    public func deviation(peeking vector: [Double]) -> [Double] {
        zip(vector, level).map { value, level in value.isFinite && !level.isNaN ? value - level : 0 }
    }
}

/// A series being windowed piece by piece: keeps the last vectors of what it was given (and its
/// baseline and last season), so that a series read in batches gets the same inputs as one read whole
/// (`vigil score`).
public struct SeriesWindow: Sendable {
    public let window: TemporalWindow
    public let features: Int
    private var baseline: Baseline?
    private var season: SeasonalReference?
    /// The latest vectors (relative to the baseline), newest first, at most `length − 1` of them.
    private var recent: [[Float]] = []
    /// The time of the latest row, in seconds, when the rows have times.
    private var latestTime: Double?

    /// A series with no past, of `features` features: its baseline starts at its first vector.
    public init(_ window: TemporalWindow, features: Int) {
        self.window = window
        self.features = features
        self.baseline = window.baselineHalfLife.map { Baseline(features: features, halfLife: $0) }
        self.season = window.seasonLength.map { SeasonalReference(length: $0, features: features) }
    }

    /// A vector judged on its own: its baseline is settled at `level` (the training means).
    init(_ window: TemporalWindow, judgingAgainst level: [Double]) {
        self.init(window, features: level.count)
        self.baseline = window.baselineHalfLife.map { Baseline(level: level, halfLife: $0) }
    }

    /// The model inputs for `rows`, the series' next vectors in time order.
    ///
    /// With `times` (each row's time in seconds) and a window that knows its
    /// ``TemporalWindow/stepSeconds``, the rows are placed in their seasons by time, as the
    /// service places its steps: a row that never came leaves a gap. A row whose time is unknown
    /// (NaN), or not after the latest one, counts as the next step.
    public mutating func inputs(_ rows: Matrix, times: [Double]? = nil) -> Matrix {
        precondition(rows.columns == features, "expected \(features) columns, got \(rows.columns)")
        precondition(times == nil || times!.count == rows.rows, "expected \(rows.rows) times, got \(times!.count)")
        guard window.isTemporal else { return rows }
        let width = window.inputWidth(features: features)
        var values = [Float](repeating: 0, count: rows.rows * width)
        values.withUnsafeMutableBufferPointer { buffer in
            for row in 0..<rows.rows {
                var vector = rows.row(row)
                let start = buffer.baseAddress! + row * width
                if season != nil, window.stepSeconds != nil, let times { placeInSeason(at: times[row]) }
                if season != nil {
                    // Unknown (NaN) until the series has three seasons behind it.
                    let changes = season!.changes(joining: vector.map(Double.init))
                    let slot = start + window.networkWidth(features: features)
                    for i in 0..<features { slot[i] = changes.map { Float($0[i]) } ?? .nan }
                }
                if baseline != nil { vector = baseline!.deviation(of: vector.map(Double.init)).map(Float.init) }
                recent.insert(vector, at: 0)
                for lag in 0..<window.length {
                    let source = recent[min(lag, recent.count - 1)]
                    for i in 0..<features { start[lag * features + i] = source[i] }
                }
                window.encode(start, features: features)
                if recent.count >= window.length { recent.removeLast() }
            }
        }
        return Matrix(rows: rows.rows, columns: width, values: values)
    }

    /// Leaves a gap in the season for the steps that never came before a row at `time`. A row
    /// whose time is unknown, or not after the latest (a file out of order), is the next step.
    private mutating func placeInSeason(at time: Double) {
        guard time.isFinite, latestTime.map({ time > $0 }) ?? true else {
            latestTime = latestTime.map { $0 + window.stepSeconds! }
            return
        }
        if let latestTime { season!.skip(window.missedSteps(from: latestTime, to: time)) }
        latestTime = time
    }
}

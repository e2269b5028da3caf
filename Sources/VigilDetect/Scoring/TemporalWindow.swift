public import VigilML

/// The temporal context a model sees: its input at time t is the entity's last ``length``
/// vectors, newest first, so that it can judge a value by what came just before it (a jump, an
/// oscillation, a stall) and not only by where it lies.
///
/// The input holds `length × features` values: the vector at t, then the one at t − 1, and so on.
/// With ``differences``, every older slot holds the change into its successor instead
/// (x[t−k+1] − x[t−k]): the newest vector keeps the level, the rest carry the motion, which
/// does not move when a whole series shifts level. Before a series has `length` vectors, its
/// oldest vector stands in for the missing ones (a steady past).
///
/// The same window is used in training, in `vigil score`, and in the service's per-service
/// feature assembly: it is part of the model bundle.
public struct TemporalWindow: Sendable, Equatable, Hashable, Codable, CustomStringConvertible {
    /// How many vectors the model sees; 1 is the vector alone.
    public var length: Int
    /// Whether the older slots hold first differences rather than values.
    public var differences: Bool

    /// The longest window a bundle may declare.
    public static let maximumLength = 1000
    /// The vector alone: no temporal context.
    public static let none = TemporalWindow(length: 1)

    public init(length: Int, differences: Bool = false) {
        self.length = length
        self.differences = differences
    }

    enum CodingKeys: String, CodingKey { case length, differences }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        length = try container.decode(Int.self, forKey: .length)
        differences = try container.decodeIfPresent(Bool.self, forKey: .differences) ?? false
    }

    public var description: String {
        length == 1 ? "none" : "\(length) vectors" + (differences ? " (first differences)" : "")
    }

    /// The model's input width for `features` features.
    public func inputWidth(features: Int) -> Int { features * length }

    /// The names of the model's inputs: `cpu`, then `cpu[t-1]` (or `Δcpu[t-1]`) and so on.
    public func inputNames(_ features: [String]) -> [String] {
        (0..<length).flatMap { lag in
            features.map { name in lag == 0 ? name : (differences ? "Δ" : "") + "\(name)[t-\(lag)]" }
        }
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

    /// The model inputs for `vectors` taken one by one, each as if its past were steady.
    public func inputs(steady vectors: [[Double]], features: Int) -> Matrix {
        let width = inputWidth(features: features)
        var values = [Float](repeating: 0, count: vectors.count * width)
        values.withUnsafeMutableBufferPointer { buffer in
            for (row, vector) in vectors.enumerated() {
                precondition(vector.count == features, "expected \(features) values, got \(vector.count)")
                let start = buffer.baseAddress! + row * width
                for lag in 0..<length {
                    for i in 0..<features { start[lag * features + i] = Float(vector[i]) }
                }
                encode(start, features: features)
            }
        }
        return Matrix(rows: vectors.count, columns: width, values: values)
    }

    /// The model inputs for stacked windows (`length × features` values each, newest first), such
    /// as ``FeatureAssembler`` returns.
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

    /// The model inputs for a whole series (rows in time order) seen from its start.
    public func inputs(series rows: Matrix) -> Matrix {
        var series = SeriesWindow(self, features: rows.columns)
        return series.inputs(rows)
    }
}

/// A series being windowed piece by piece: keeps the last vectors of what it was given, so that
/// a series read in batches gets the same inputs as one read whole (`vigil score`).
public struct SeriesWindow: Sendable {
    public let window: TemporalWindow
    public let features: Int
    /// The latest vectors, newest first, at most `length − 1` of them.
    private var recent: [[Float]] = []

    public init(_ window: TemporalWindow, features: Int) {
        self.window = window
        self.features = features
    }

    /// The model inputs for `rows`, the series' next vectors in time order.
    public mutating func inputs(_ rows: Matrix) -> Matrix {
        precondition(rows.columns == features, "expected \(features) columns, got \(rows.columns)")
        guard window.length > 1 else { return rows }
        let width = window.inputWidth(features: features)
        var values = [Float](repeating: 0, count: rows.rows * width)
        values.withUnsafeMutableBufferPointer { buffer in
            for row in 0..<rows.rows {
                let vector = rows.row(row)
                recent.insert(vector, at: 0)
                let start = buffer.baseAddress! + row * width
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
}

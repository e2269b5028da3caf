public import VigilML

/// How far a window lies from the nearest windows of the training rows: the evidence of the
/// `sensors` recipe, for equipment learnt from a short stretch of clean history (SKAB).
///
/// Each window is described by its latest ``steps`` rows, and for each of them by every
/// feature's value and its mean over the ``meanLength`` rows up to it: the mean sees a small
/// lasting step (a valve that lowers a quantised flow by one unit) that the noise of single
/// rows hides. Each of these values is put in robust units (median and MAD over the training
/// windows, the spread at least a tenth of its standard deviation and a tenth of a scaled unit,
/// see ``minimumScale``), and
/// the evidence is the mean squared distance, per value, to the ``neighbors`` nearest training
/// windows. A run whose normal operation wanders (temperatures that drift while the pumps hold)
/// is judged by the nearest state it was trained on, not by one reconstruction of them all.
///
/// It reads the network's input, the scaled window, whose ``TemporalWindow/length`` must be at
/// least `steps + meanLength − 1`.
public struct NeighborProfile: Sendable, Equatable {
    /// How many of the window's latest rows describe it.
    public let steps: Int
    /// How many rows each mean covers.
    public let meanLength: Int
    /// How many nearest training windows the distance is averaged over.
    public let neighbors: Int
    /// Each described value's median over the training windows: every feature's value, then
    /// every feature's mean (2 × features).
    public let center: [Double]
    /// Each described value's robust spread, in the same order.
    public let scale: [Double]
    /// The training windows, described and in robust units: one row each, `steps × 2 × features`
    /// wide (the newest step first; at each step the values, then the means).
    public let references: Matrix
    /// The references transposed (one column each) and their squared norms: what
    /// ``candidates(_:count:stride:features:excluding:)`` multiplies with.
    private let transposedReferences: Matrix
    private let referenceNorms: [Float]

    /// The most training windows kept: beyond it they are thinned evenly, so that scoring stays
    /// within a few milliseconds a vector.
    public static let maximumReferences = 4096
    /// The smallest spread, in scaled units, and as a share of a described value's standard
    /// deviation (a tenth of each): a sensor that never moved in training is not judged against
    /// nothing.
    public static let minimumScale = RobustProfile.minimumScale

    public init(steps: Int, meanLength: Int, neighbors: Int, center: [Double], scale: [Double], references: Matrix) {
        self.steps = steps
        self.meanLength = meanLength
        self.neighbors = neighbors
        self.center = center
        self.scale = scale
        self.references = references
        (transposedReferences, referenceNorms) = Self.derived(from: references)
    }

    private static func derived(from references: Matrix) -> (transposed: Matrix, norms: [Float]) {
        var transposed = Matrix(rows: references.columns, columns: references.rows)
        var norms = [Float](repeating: 0, count: references.rows)
        for row in 0..<references.rows {
            for column in 0..<references.columns {
                let value = references[row, column]
                transposed[column, row] = value
                norms[row] += value * value
            }
        }
        return (transposed, norms)
    }

    /// The window length a profile of `steps` steps and means over `meanLength` rows reads.
    public static func windowLength(steps: Int, meanLength: Int) -> Int { steps + meanLength - 1 }

    /// Fits the profile on `inputs`, training windows already scaled by the model's
    /// ``StandardScaler`` (`features` features a row). Beyond ``maximumReferences`` windows,
    /// those kept (``referenceRows(of:)``) are the only ones described, for the robust units too.
    public init(fitting inputs: Matrix, features: Int, settings: Settings) {
        let (steps, meanLength, neighbors) = (settings.steps, settings.meanLength, settings.neighbors)
        precondition(inputs.columns >= Self.windowLength(steps: steps, meanLength: meanLength) * features, "the window is too short")
        let kept = Self.referenceRows(of: inputs.rows)
        let width = steps * 2 * features
        var described = [Float](repeating: 0, count: kept.count * width)
        inputs.values.withUnsafeBufferPointer { values in
            described.withUnsafeMutableBufferPointer { out in
                for (index, row) in kept.enumerated() {
                    Self.describe(
                        values.baseAddress! + row * inputs.columns, features: features, steps: steps, meanLength: meanLength,
                        into: out.baseAddress! + index * width)
                }
            }
        }
        // Robust units per described value, pooled over the steps (they are the same series):
        // the description, a row of `steps` groups of `2 × features` values, read as one row a step.
        let pooled = Matrix(rows: kept.count * steps, columns: 2 * features, values: described)
        let robust = RobustProfile(fitting: pooled)
        let spread = StandardScaler(fitting: pooled).scale  // 1 for a value that never moved
        let center = robust.median
        let scale = zip(robust.scale, spread).map { max($0, Self.minimumScale * $1) }
        for i in described.indices {
            let column = i % (2 * features)
            described[i] = Float((Double(described[i]) - center[column]) / scale[column])
        }
        self.init(
            steps: steps, meanLength: meanLength, neighbors: neighbors, center: center, scale: scale,
            references: Matrix(rows: kept.count, columns: width, values: described))
    }

    /// Which of `rows` training windows become references, in order: all of them up to
    /// ``maximumReferences``, else that many spread evenly.
    public static func referenceRows(of rows: Int) -> [Int] { thinned(rows: rows, to: maximumReferences) }

    /// `count` rows spread evenly over `rows` (all of them when there are no more).
    static func thinned(rows: Int, to count: Int) -> [Int] {
        guard rows > count else { return Array(0..<rows) }
        return (0..<count).map { $0 * rows / count }
    }

    /// What a ``NeighborProfile`` is fitted with: the trainer's setting.
    public struct Settings: Sendable, Equatable {
        public var steps: Int
        public var meanLength: Int
        public var neighbors: Int

        public init(steps: Int, meanLength: Int, neighbors: Int) {
            self.steps = steps
            self.meanLength = meanLength
            self.neighbors = neighbors
        }

        /// The window length the profile reads.
        public var windowLength: Int { NeighborProfile.windowLength(steps: steps, meanLength: meanLength) }
    }

    /// How many values describe a window of `features` features.
    public func width(features: Int) -> Int { steps * 2 * features }

    /// Writes the description of the scaled window at `input` to `output` (``width(features:)``
    /// values): for each of the latest `steps` rows, every feature's value, then its mean over
    /// `meanLength` rows.
    @inline(__always)
    static func describe(
        _ input: UnsafePointer<Float>, features: Int, steps: Int, meanLength: Int, into output: UnsafeMutablePointer<Float>
    ) {
        let share = 1 / Float(meanLength)
        for step in 0..<steps {
            let values = output + step * 2 * features
            let means = values + features
            for feature in 0..<features {
                values[feature] = input[step * features + feature]
                var sum: Float = 0
                for lag in step..<(step + meanLength) { sum += input[lag * features + feature] }
                means[feature] = sum * share
            }
        }
    }

    /// Writes the scaled window at `input`, described and in robust units, to `query`
    /// (``width(features:)`` values).
    @inline(__always)
    private func query(_ input: UnsafePointer<Float>, features: Int, into query: UnsafeMutablePointer<Float>) {
        Self.describe(input, features: features, steps: steps, meanLength: meanLength, into: query)
        let columns = 2 * features
        for i in 0..<width(features: features) {
            let column = i % columns
            query[i] = Float((Double(query[i]) - center[column]) / scale[column])
        }
    }

    /// The reference equal to the scaled window at `input`, if one is: a row of the data the
    /// profile was fitted on, which `vigil calibrate` then leaves out of its own neighbours.
    func identicalReference(_ input: UnsafePointer<Float>, features: Int) -> Int? {
        let width = width(features: features)
        return withUnsafeTemporaryAllocation(of: Float.self, capacity: width) { buffer in
            query(input, features: features, into: buffer.baseAddress!)
            return references.values.withUnsafeBufferPointer { values in
                (0..<references.rows).first { Self.squaredDistance(buffer.baseAddress!, values.baseAddress! + $0 * width, count: width) == 0 }
            }
        }
    }

    /// How many references ``candidates(_:count:stride:features:excluding:)`` keeps a window:
    /// a few more than ``neighbors``, so that the exact distances then choose among them what a
    /// scan of every reference would choose, though the product's sums round otherwise.
    var candidateCount: Int { min(neighbors + 4, references.rows) }

    /// For each of `count` scaled windows at `inputs` (`stride` values apart), the
    /// ``candidateCount`` references nearest to it (−1 past the end when fewer are left),
    /// `excluding(r)` left out for window r: found through one matrix product per block of
    /// windows (‖q − r‖² = ‖q‖² + ‖r‖² − 2 q·r), many times faster than a scan per window.
    func candidates(_ inputs: UnsafePointer<Float>, count: Int, stride: Int, features: Int, excluding: (Int) -> Int?) -> [Int32] {
        let width = width(features: features)
        let m = candidateCount
        var found = [Int32](repeating: -1, count: count * m)
        guard m > 0 else { return found }
        let block = 256
        for start in Swift.stride(from: 0, to: count, by: block) {
            let rows = min(block, count - start)
            var queries = Matrix(rows: rows, columns: width)
            queries.values.withUnsafeMutableBufferPointer { out in
                for r in 0..<rows { query(inputs + (start + r) * stride, features: features, into: out.baseAddress! + r * width) }
            }
            let products = queries.multiplied(by: transposedReferences)
            products.values.withUnsafeBufferPointer { products in
                withUnsafeTemporaryAllocation(of: (distance: Float, row: Int).self, capacity: m) { nearest in
                    for r in 0..<rows {
                        let excluded = excluding(start + r)
                        let row = products.baseAddress! + r * references.rows
                        var kept = 0
                        for j in 0..<references.rows where j != excluded {
                            // ‖q‖² is the same for every reference: left out of the order.
                            Self.insert(referenceNorms[j] - 2 * row[j], row: j, into: nearest.baseAddress!, found: &kept, capacity: m)
                        }
                        for j in 0..<kept { found[(start + r) * m + j] = Int32(nearest[j].row) }
                    }
                }
            }
        }
        return found
    }

    /// Inserts a reference at `distance` into `nearest`, the `found` nearest so far in ascending
    /// order (at most `capacity`), when it is nearer than the last of them.
    @inline(__always)
    private static func insert(
        _ distance: Float, row: Int, into nearest: UnsafeMutablePointer<(distance: Float, row: Int)>, found: inout Int, capacity: Int
    ) {
        guard found < capacity || distance < nearest[capacity - 1].distance else { return }
        var slot = min(found, capacity - 1)
        while slot > 0, nearest[slot - 1].distance > distance {
            nearest[slot] = nearest[slot - 1]
            slot -= 1
        }
        nearest[slot] = (distance, row)
        found = min(found + 1, capacity)
    }

    /// The evidence of the scaled window at `input`: the mean squared distance per described
    /// value to the ``neighbors`` nearest training windows. `perFeature`, when given, receives
    /// each feature's part of it (its values and means at every step). `excluding`: the window is
    /// that reference (calibration), which is left out. `candidates`, when given, are the only
    /// references measured (``candidates(_:count:stride:features:excluding:)``; −1 for none).
    func evidence(
        _ input: UnsafePointer<Float>, features: Int, perFeature: UnsafeMutablePointer<Double>?, excluding: Int? = nil,
        candidates: UnsafeBufferPointer<Int32>? = nil
    ) -> Double {
        let width = width(features: features)
        let k = min(neighbors, references.rows)
        guard k > 0 else { return 0 }
        let columns = 2 * features
        return withUnsafeTemporaryAllocation(of: Float.self, capacity: width) { buffer in
            let query = buffer.baseAddress!
            self.query(input, features: features, into: query)
            return withUnsafeTemporaryAllocation(of: (distance: Float, row: Int).self, capacity: k) { nearest in
                var found = 0
                references.values.withUnsafeBufferPointer { values in
                    func consider(_ row: Int) {
                        guard row != excluding else { return }
                        let distance = Self.squaredDistance(query, values.baseAddress! + row * width, count: width)
                        Self.insert(distance, row: row, into: nearest.baseAddress!, found: &found, capacity: k)
                    }
                    if let candidates {
                        for row in candidates where row >= 0 { consider(Int(row)) }
                    } else {
                        for row in 0..<references.rows { consider(row) }
                    }
                }
                guard found > 0 else { return 0 }
                var sum: Double = 0
                for j in 0..<found { sum += Double(nearest[j].distance) }
                let share = 1 / (Double(found) * Double(width))
                if let perFeature {
                    references.values.withUnsafeBufferPointer { values in
                        for j in 0..<found {
                            let reference = values.baseAddress! + nearest[j].row * width
                            for i in 0..<width {
                                let d = Double(query[i] - reference[i])
                                perFeature[i % columns % features] += share * d * d
                            }
                        }
                    }
                }
                return sum * share
            }
        }
    }

    /// The squared Euclidean distance between `count` values at `a` and at `b`, summed eight
    /// lanes at a time (the compiler keeps a plain loop's additions in order, one at a time).
    @inline(__always)
    static func squaredDistance(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        var lanes = SIMD8<Float>()
        var i = 0
        while i + 8 <= count {
            let d = UnsafeRawPointer(a + i).loadUnaligned(as: SIMD8<Float>.self) - UnsafeRawPointer(b + i).loadUnaligned(as: SIMD8<Float>.self)
            lanes += d * d
            i += 8
        }
        var sum = lanes.sum()
        while i < count {
            let d = a[i] - b[i]
            sum += d * d
            i += 1
        }
        return sum
    }

    /// Why settings of `steps`, `meanLength` and `neighbors` and `center` and `scale` cannot
    /// serve a window of `windowLength` rows of `features` features, or `nil` when they can:
    /// checked on a bundle's manifest before any of them is computed with.
    static func problem(
        steps: Int, meanLength: Int, neighbors: Int, center: [Double], scale: [Double], features: Int, windowLength: Int
    ) -> String? {
        guard (1...windowLength).contains(steps), (1...windowLength).contains(meanLength) else {
            return "steps and mean_length must be in 1...\(windowLength) (the window's length), found \(steps) and \(meanLength)"
        }
        guard (1...maximumReferences).contains(neighbors) else { return "neighbors must be in 1...\(maximumReferences), found \(neighbors)" }
        guard Self.windowLength(steps: steps, meanLength: meanLength) <= windowLength else {
            return
                "\(steps) steps with means over \(meanLength) rows need a window of \(Self.windowLength(steps: steps, meanLength: meanLength)), found \(windowLength)"
        }
        guard center.count == 2 * features, scale.count == 2 * features else {
            return "it has \(center.count) centers and \(scale.count) scales for \(2 * features) described values (2 per feature)"
        }
        guard center.allSatisfy(\.isFinite), scale.allSatisfy({ $0.isFinite && $0 > 0 }) else {
            return "centers must be finite and scales finite and positive"
        }
        return nil
    }
}

public import VigilML

/// How much each feature usually differs from the same time in the seasons before (the same
/// time on the last three days, see ``SeasonalReference``), fitted on the training rows: the seasonal
/// evidence added to the reconstruction error.
///
/// An autoencoder judges how a vector hangs together, not how far it moved along a direction it
/// knows: a server whose correlated metrics all stay low through an afternoon that is busy every
/// other day looks coherent to it. Compared with the days before, that afternoon stands out. The
/// evidence is the mean, over the features that moved in training, of the squared z-score of
/// each change, times ``weight``; unknown changes (a series' first three seasons) add nothing.
public struct SeasonalProfile: Sendable, Equatable, Codable {
    /// Each feature's mean change, in raw units.
    public let mean: [Double]
    /// Each feature's standard deviation of change; 0 for a feature that never changed in
    /// training, which is then left out (any change would be infinitely unlikely).
    public let scale: [Double]
    /// What the evidence counts for against the reconstruction error: chosen at calibration so
    /// that either alone would flag the same share of the held-out rows.
    public var weight: Double

    /// The largest squared z-score one feature contributes.
    public static let cap = 10_000.0

    /// How many features are judged (those with a spread).
    private let judged: Int

    public init(mean: [Double], scale: [Double], weight: Double = 1) {
        self.mean = mean
        self.scale = scale
        self.weight = weight
        judged = scale.count { $0 > 0 }
    }

    enum CodingKeys: String, CodingKey {
        case mean, scale, weight
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            mean: try container.decode([Double].self, forKey: .mean), scale: try container.decode([Double].self, forKey: .scale),
            weight: try container.decode(Double.self, forKey: .weight))
    }

    /// Fits the profile on `changes` (one column per feature; NaN where unknown).
    public init(fitting changes: Matrix) {
        var mean: [Double] = []
        var scale: [Double] = []
        for column in 0..<changes.columns {
            let values = (0..<changes.rows).map { Double(changes[$0, column]) }.filter { !$0.isNaN }
            let center = values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count)
            let variance = values.isEmpty ? 0 : values.reduce(0) { $0 + ($1 - center) * ($1 - center) } / Double(values.count)
            mean.append(center)
            scale.append(variance.squareRoot())
        }
        self.init(mean: mean, scale: scale)
    }

    /// The weighted evidence of one row's `changes` (one per feature, NaN when unknown);
    /// `perFeature`, when given, receives each feature's part of it.
    @inline(__always)
    func evidence(_ changes: UnsafePointer<Float>, perFeature: UnsafeMutablePointer<Double>?) -> Double {
        guard judged > 0 else { return 0 }
        let share = weight / Double(judged)
        var sum: Double = 0
        for feature in mean.indices where scale[feature] > 0 && !changes[feature].isNaN {
            let z = (Double(changes[feature]) - mean[feature]) / scale[feature]
            let part = share * min(z * z, Self.cap)
            perFeature?[feature] += part
            sum += part
        }
        return sum
    }

    /// The weighted evidence of each row of `changes` (one column per feature, NaN when unknown).
    func evidence(rows changes: Matrix) -> [Double] {
        changes.values.withUnsafeBufferPointer { values in
            (0..<changes.rows).map { evidence(values.baseAddress! + $0 * changes.columns, perFeature: nil) }
        }
    }

    /// Why the profile cannot serve `features` features, or `nil` when it can.
    func problem(features: Int) -> String? {
        guard mean.count == features, scale.count == features else {
            return "it has \(mean.count) means and \(scale.count) scales for \(features) features"
        }
        guard mean.allSatisfy(\.isFinite), scale.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
            return "means must be finite and scales finite and not negative"
        }
        guard weight.isFinite, weight >= 0 else { return "weight must be finite and not negative, found \(weight)" }
        return nil
    }
}

public import VigilML

/// Each feature's median and robust spread on the training rows (in the scaler's units): the
/// per-feature evidence added to the autoencoder's error when a model is trained with it.
///
/// A per-feature robust z-score catches what a reconstruction misses when features move
/// independently, as on the seed's data. Medians and MADs are not pulled by the anomalies in
/// dirty history. The spread is guarded, since a feature that never moved in training would
/// otherwise turn any change into an infinite score: it is at least a tenth of the feature's
/// standard deviation (1 after scaling) and each squared deviation is capped.
public struct RobustProfile: Sendable, Equatable, Codable {
    public var median: [Double]
    public var scale: [Double]

    /// The largest squared deviation one feature contributes.
    public static let cap = 10_000.0
    /// The smallest spread, in scaled units (a tenth of the training standard deviation).
    public static let minimumScale = 0.1

    public init(median: [Double], scale: [Double]) {
        self.median = median
        self.scale = scale
    }

    /// Fits the profile on `rows`, already scaled by the model's ``StandardScaler``.
    public init(fitting rows: Matrix) {
        var median: [Double] = []
        var scale: [Double] = []
        for column in 0..<rows.columns {
            let values = (0..<rows.rows).map { Double(rows[$0, column]) }.sorted()
            let center = Calibration.quantile(values, 0.5)
            let deviations = values.map { abs($0 - center) }.sorted()
            median.append(center)
            // 1.4826 × MAD estimates the standard deviation of normally distributed values.
            scale.append(max(1.4826 * Calibration.quantile(deviations, 0.5), Self.minimumScale))
        }
        self.init(median: median, scale: scale)
    }

    /// The capped squared robust z-score of scaled `value` on `feature`.
    @inline(__always)
    func squaredDeviation(_ value: Float, feature: Int) -> Double {
        let z = (Double(value) - median[feature]) / scale[feature]
        return min(z * z, Self.cap)
    }

    /// Why the profile cannot serve `features` features, or `nil` when it can.
    func problem(features: Int) -> String? {
        guard median.count == features, scale.count == features else {
            return "it has \(median.count) medians and \(scale.count) scales for \(features) features"
        }
        guard median.allSatisfy(\.isFinite), scale.allSatisfy({ $0.isFinite && $0 > 0 }) else {
            return "medians must be finite and scales finite and positive"
        }
        return nil
    }
}

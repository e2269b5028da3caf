/// Standardises features to zero mean and unit variance: scikit-learn's `StandardScaler`.
///
/// `scaled = (x − mean) / scale`, with `scale` the population standard deviation, and 1 for a
/// constant feature (scikit-learn's rule), so constant columns never divide by zero.
public struct StandardScaler: Sendable, Equatable, Codable {
    public var mean: [Double]
    public var scale: [Double]

    public init(mean: [Double], scale: [Double]) {
        precondition(mean.count == scale.count, "mean and scale differ in length")
        self.mean = mean
        self.scale = scale
    }

    /// Fits the mean and scale of every column of `data` (in `Double`, then kept as such).
    public init(fitting data: Matrix) {
        precondition(data.rows > 0, "cannot fit a scaler on no rows")
        let columns = data.columns
        var mean = [Double](repeating: 0, count: columns)
        var squares = [Double](repeating: 0, count: columns)
        for row in 0..<data.rows {
            for column in 0..<columns {
                mean[column] += Double(data.values[row * columns + column])
            }
        }
        let n = Double(data.rows)
        for column in 0..<columns { mean[column] /= n }
        for row in 0..<data.rows {
            for column in 0..<columns {
                let d = Double(data.values[row * columns + column]) - mean[column]
                squares[column] += d * d
            }
        }
        let scale = squares.map { squares -> Double in
            let deviation = (squares / n).squareRoot()
            return deviation < 10 * Double.ulpOfOne ? 1 : deviation
        }
        self.init(mean: mean, scale: scale)
    }

    public var featureCount: Int { mean.count }

    /// `(x − mean) / scale` for every row of `data`.
    public func transform(_ data: Matrix) -> Matrix {
        precondition(data.columns == featureCount, "expected \(featureCount) columns, got \(data.columns)")
        var result = data
        result.values.withUnsafeMutableBufferPointer { values in
            transform(rows: data.rows, values.baseAddress!)
        }
        return result
    }

    /// Scales `rows × featureCount` values in place: the scoring hot path.
    public func transform(rows: Int, _ values: UnsafeMutablePointer<Float>) {
        let columns = featureCount
        mean.withUnsafeBufferPointer { mean in
            scale.withUnsafeBufferPointer { scale in
                for row in 0..<rows {
                    let base = values + row * columns
                    for column in 0..<columns {
                        base[column] = Float((Double(base[column]) - mean[column]) / scale[column])
                    }
                }
            }
        }
    }

    /// `x · scale + mean`: back to the original units.
    public func inverseTransform(_ data: Matrix) -> Matrix {
        precondition(data.columns == featureCount, "expected \(featureCount) columns, got \(data.columns)")
        var result = data
        for row in 0..<data.rows {
            for column in 0..<featureCount {
                let index = row * featureCount + column
                result.values[index] = Float(Double(data.values[index]) * scale[column] + mean[column])
            }
        }
        return result
    }
}

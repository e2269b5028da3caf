/// How a loss over many values is reduced.
public enum LossReduction: Sendable {
    /// The mean over every value: Keras' `mse` for equally wide rows.
    case mean
    /// The sum over every value.
    case sum
}

/// The mean squared error between `predictions` and `targets` (`mean((p - t)²)`), Keras' `mse`.
public func meanSquaredError(_ predictions: Matrix, _ targets: Matrix, reduction: LossReduction = .mean) -> Float {
    precondition(predictions.rows == targets.rows && predictions.columns == targets.columns, "shapes differ")
    var sum: Double = 0
    for i in predictions.values.indices {
        let d = predictions.values[i] - targets.values[i]
        sum += Double(d * d)
    }
    switch reduction {
    case .mean: return predictions.values.isEmpty ? 0 : Float(sum / Double(predictions.values.count))
    case .sum: return Float(sum)
    }
}

/// Each row's mean squared error between `predictions` and `targets`: an autoencoder's
/// reconstruction error per sample.
public func rowMeanSquaredErrors(_ predictions: Matrix, _ targets: Matrix) -> [Float] {
    precondition(predictions.rows == targets.rows && predictions.columns == targets.columns, "shapes differ")
    let columns = predictions.columns
    return (0..<predictions.rows).map { row in
        var sum: Float = 0
        for c in 0..<columns {
            let d = predictions.values[row * columns + c] - targets.values[row * columns + c]
            sum += d * d
        }
        return sum / Float(columns)
    }
}

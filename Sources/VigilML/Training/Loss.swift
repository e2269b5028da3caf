/// The mean squared error between `predictions` and `targets` (`mean((p - t)²)`), Keras' `mse`.
public func meanSquaredError(_ predictions: Matrix, _ targets: Matrix) -> Float {
    precondition(predictions.rows == targets.rows && predictions.columns == targets.columns, "shapes differ")
    var sum: Double = 0
    for i in predictions.values.indices {
        let d = predictions.values[i] - targets.values[i]
        sum += Double(d * d)
    }
    return predictions.values.isEmpty ? 0 : Float(sum / Double(predictions.values.count))
}

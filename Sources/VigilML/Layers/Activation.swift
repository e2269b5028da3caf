import Foundation

/// The activations a dense layer may apply: the ones the seed's Keras model uses, and two more
/// Keras users reach for.
public enum Activation: String, Sendable, Codable, CaseIterable {
    case relu
    case linear
    case tanh
    case sigmoid

    /// Applies the activation to `count` values in place.
    func apply(_ values: UnsafeMutablePointer<Float>, count: Int) {
        switch self {
        case .linear:
            return
        case .relu:
            for i in 0..<count where values[i] < 0 { values[i] = 0 }
        case .tanh:
            for i in 0..<count { values[i] = Foundation.tanh(values[i]) }
        case .sigmoid:
            for i in 0..<count { values[i] = logistic(values[i]) }
        }
    }

    /// Multiplies the upstream gradient `gradient` by the activation's derivative, computed from
    /// the activation's output `output` (every supported activation's derivative is a function of
    /// its output).
    func backpropagate(_ gradient: UnsafeMutablePointer<Float>, output: UnsafePointer<Float>, count: Int) {
        switch self {
        case .linear:
            return
        case .relu:
            // Branch-free: ReLU's output signs are unpredictable, and a mispredicted branch per value
            // costs more than the arithmetic. A positive float's bit pattern is a positive Int32.
            for i in 0..<count {
                let bits = Int32(bitPattern: output[i].bitPattern)
                let keep = (0 &- bits) >> 31  // all ones when bits > 0, else zero
                gradient[i] = Float(bitPattern: gradient[i].bitPattern & UInt32(bitPattern: keep))
            }
        case .tanh:
            for i in 0..<count { gradient[i] *= 1 - output[i] * output[i] }
        case .sigmoid:
            for i in 0..<count { gradient[i] *= output[i] * (1 - output[i]) }
        }
    }
}

func logistic(_ x: Float) -> Float {
    if x >= 0 {
        return 1 / (1 + Foundation.exp(-x))
    }
    let e = Foundation.exp(x)
    return e / (1 + e)
}

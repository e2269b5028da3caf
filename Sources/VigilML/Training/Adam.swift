import Foundation

/// The Adam optimiser with Keras' defaults and update rule.
///
/// With `t` the step, `g` a gradient:
/// `m ← β₁m + (1−β₁)g`, `v ← β₂v + (1−β₂)g²`,
/// `w ← w − α·m / (√v + ε)` where `α = lr·√(1−β₂ᵗ) / (1−β₁ᵗ)`.
/// Defaults: `lr = 1e-3`, `β₁ = 0.9`, `β₂ = 0.999`, `ε = 1e-7` (Keras', not PyTorch's 1e-8).
public struct Adam: Sendable {
    public var learningRate: Float
    public let beta1: Float
    public let beta2: Float
    public let epsilon: Float
    /// Steps taken so far.
    public private(set) var step = 0
    private var firstMoments: [[Float]]
    private var secondMoments: [[Float]]

    public init(learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-7, parameterSizes: [Int]) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.firstMoments = parameterSizes.map { [Float](repeating: 0, count: $0) }
        self.secondMoments = parameterSizes.map { [Float](repeating: 0, count: $0) }
    }

    /// Starts the next step: returns the step size `α` for this step.
    mutating func beginStep() -> Float {
        step += 1
        let t = Double(step)
        let correction = (1 - pow(Double(beta2), t)).squareRoot() / (1 - pow(Double(beta1), t))
        return Float(Double(learningRate) * correction)
    }

    /// Updates parameter tensor `index` (`count` values at `parameters`) with its gradient.
    mutating func update(index: Int, parameters: UnsafeMutablePointer<Float>, gradients: UnsafePointer<Float>, count: Int, stepSize: Float) {
        let beta1 = beta1
        let beta2 = beta2
        let epsilon = epsilon
        firstMoments[index].withUnsafeMutableBufferPointer { m in
            secondMoments[index].withUnsafeMutableBufferPointer { v in
                let m = m.baseAddress!
                let v = v.baseAddress!
                var i = 0
                // Eight lanes at a time: the pointers may alias as far as the compiler knows, so vectorise by hand.
                typealias Lanes = SIMD8<Float>
                let loadRaw = { (pointer: UnsafePointer<Float>) in UnsafeRawPointer(pointer).loadUnaligned(as: Lanes.self) }
                while i + 8 <= count {
                    let g = loadRaw(gradients + i)
                    let mi = loadRaw(m + i) + (g - loadRaw(m + i)) * (1 - beta1)
                    let vi = loadRaw(v + i) + (g * g - loadRaw(v + i)) * (1 - beta2)
                    let w = loadRaw(parameters + i) - stepSize * mi / (vi.squareRoot() + epsilon)
                    UnsafeMutableRawPointer(m + i).storeBytes(of: mi, as: Lanes.self)
                    UnsafeMutableRawPointer(v + i).storeBytes(of: vi, as: Lanes.self)
                    UnsafeMutableRawPointer(parameters + i).storeBytes(of: w, as: Lanes.self)
                    i += 8
                }
                while i < count {
                    let g = gradients[i]
                    m[i] += (g - m[i]) * (1 - beta1)
                    v[i] += (g * g - v[i]) * (1 - beta2)
                    parameters[i] -= stepSize * m[i] / (v[i].squareRoot() + epsilon)
                    i += 1
                }
            }
        }
    }
}

/// A fully connected layer: `y = activation(x · kernel + bias)`.
///
/// `kernel` is `inputs × units`, row-major (Keras' layout), so a bundle's weights load as
/// they were saved by Keras. New layers start with Glorot-uniform kernels and zero biases,
/// Keras' defaults.
public struct Dense: Sendable, Equatable {
    public var kernel: Matrix
    public var bias: [Float]
    public var activation: Activation

    public var inputs: Int { kernel.rows }
    public var units: Int { kernel.columns }

    public init(kernel: Matrix, bias: [Float], activation: Activation) {
        precondition(bias.count == kernel.columns, "bias has \(bias.count) values for \(kernel.columns) units")
        self.kernel = kernel
        self.bias = bias
        self.activation = activation
    }

    /// A layer with Glorot-uniform weights (`U(±√(6 / (inputs + units)))`) and zero biases.
    public init(inputs: Int, units: Int, activation: Activation, generator: inout SeededGenerator) {
        let limit = (6 / Float(inputs + units)).squareRoot()
        var values = [Float](repeating: 0, count: inputs * units)
        for i in values.indices {
            values[i] = generator.nextUniform(-limit, limit)
        }
        self.init(kernel: Matrix(rows: inputs, columns: units, values: values), bias: [Float](repeating: 0, count: units), activation: activation)
    }

    /// Computes the layer for `rows` inputs at `input` (row stride `inputs`) into `output` (row stride `units`).
    ///
    /// One GEMM, then one pass that adds the bias and applies the activation.
    func forward(rows: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        let units = self.units
        kernel.values.withUnsafeBufferPointer { kernel in
            gemm(m: rows, n: units, k: inputs, a: input, lda: inputs, b: kernel.baseAddress!, ldb: units, c: output, ldc: units)
        }
        bias.withUnsafeBufferPointer { bias in
            let bias = bias.baseAddress!
            if activation == .relu {
                for r in 0..<rows {
                    let row = output + r &* units
                    for j in 0..<units { row[j] = max(row[j] + bias[j], 0) }
                }
            } else {
                for r in 0..<rows {
                    let row = output + r &* units
                    for j in 0..<units { row[j] += bias[j] }
                }
                activation.apply(output, count: rows &* units)
            }
        }
    }
}

/// A feed-forward network of dense layers with optional dropout between them: Keras'
/// `Sequential` for the layer kinds Vigil uses.
///
/// Inference never applies dropout. Training goes through ``Trainer``, which updates
/// ``layers`` in place.
public struct Sequential: Sendable, Equatable {
    public let architecture: Architecture
    /// The dense layers, in order.
    public var layers: [Dense]
    /// The dropout rate applied to each dense layer's output in training (0 for none).
    let dropoutRates: [Float]

    /// A freshly initialised network (Glorot-uniform kernels, zero biases).
    public init(architecture: Architecture, generator: inout SeededGenerator) {
        precondition(architecture.problem == nil, architecture.problem ?? "")
        var layers: [Dense] = []
        var width = architecture.inputDimension
        for case .dense(let units, let activation) in architecture.layers {
            layers.append(Dense(inputs: width, units: units, activation: activation, generator: &generator))
            width = units
        }
        self.architecture = architecture
        self.layers = layers
        self.dropoutRates = Self.dropoutRates(of: architecture)
    }

    /// A network from existing layers, which must match `architecture`.
    public init(architecture: Architecture, layers: [Dense]) throws(ArchitectureError) {
        if let problem = architecture.problem { throw .invalid(problem) }
        let shapes = architecture.denseShapes
        guard shapes.count == layers.count else {
            throw .layerCount(expected: shapes.count, found: layers.count)
        }
        var specIndex = 0
        for (index, layer) in layers.enumerated() {
            while case .dropout = architecture.layers[specIndex] { specIndex += 1 }
            guard case .dense(_, let activation) = architecture.layers[specIndex] else { continue }
            specIndex += 1
            let shape = shapes[index]
            guard layer.inputs == shape.inputs, layer.units == shape.units else {
                throw .shape(layer: index, expected: [shape.inputs, shape.units], found: [layer.inputs, layer.units])
            }
            guard layer.activation == activation else {
                throw .invalid("dense layer \(index): activation \(layer.activation) does not match the architecture's \(activation)")
            }
        }
        self.architecture = architecture
        self.layers = layers
        self.dropoutRates = Self.dropoutRates(of: architecture)
    }

    private static func dropoutRates(of architecture: Architecture) -> [Float] {
        var rates: [Float] = []
        for spec in architecture.layers {
            switch spec {
            case .dense: rates.append(0)
            case .dropout(let rate):
                if !rates.isEmpty { rates[rates.count - 1] = 1 - (1 - rates[rates.count - 1]) * (1 - rate) }
            }
        }
        return rates
    }

    public var inputDimension: Int { architecture.inputDimension }
    public var outputDimension: Int { layers.last?.units ?? architecture.inputDimension }
    /// The widest layer, which sizes scratch buffers.
    public var maximumWidth: Int { layers.reduce(architecture.inputDimension) { max($0, $1.units) } }
    /// The number of trainable values.
    public var parameterCount: Int { layers.reduce(0) { $0 + $1.kernel.values.count + $1.bias.count } }

    /// The network's output for every row of `input`.
    public func predict(_ input: Matrix) -> Matrix {
        precondition(input.columns == inputDimension, "expected \(inputDimension) columns, got \(input.columns)")
        var output = Matrix(rows: input.rows, columns: outputDimension)
        guard input.rows > 0 else { return output }
        let rows = input.rows
        let chunk = min(rows, 1024)
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * chunk * maximumWidth) { scratch in
            input.values.withUnsafeBufferPointer { input in
                output.values.withUnsafeMutableBufferPointer { output in
                    for start in stride(from: 0, to: rows, by: chunk) {
                        forward(
                            rows: min(chunk, rows - start), input: input.baseAddress! + start * inputDimension,
                            output: output.baseAddress! + start * outputDimension, scratch: scratch.baseAddress!)
                    }
                }
            }
        }
        return output
    }

    /// Runs the network (no dropout) on `rows` inputs.
    ///
    /// - Parameters:
    ///   - input: `rows × inputDimension` values.
    ///   - output: room for `rows × outputDimension` values.
    ///   - scratch: room for `2 × rows × maximumWidth` values, overwritten.
    /// - Important: no allocation happens here; this is the scoring hot path.
    public func forward(rows: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        let half = rows * maximumWidth
        var source = input
        var target = scratch
        for (index, layer) in layers.enumerated() {
            let destination = index == layers.count - 1 ? output : target
            layer.forward(rows: rows, input: source, output: destination)
            source = UnsafePointer(destination)
            target = destination == scratch ? scratch + half : scratch
        }
    }
}

/// Why a set of layers does not form the network an architecture describes.
public enum ArchitectureError: Error, Equatable, CustomStringConvertible {
    case invalid(String)
    case layerCount(expected: Int, found: Int)
    case shape(layer: Int, expected: [Int], found: [Int])

    public var description: String {
        switch self {
        case .invalid(let reason): "invalid architecture: \(reason)"
        case .layerCount(let expected, let found): "the architecture has \(expected) dense layers, the weights \(found)"
        case .shape(let layer, let expected, let found): "dense layer \(layer): expected kernel shape \(expected), found \(found)"
        }
    }
}

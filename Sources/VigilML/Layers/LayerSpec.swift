/// One layer of a ``Sequential`` network's architecture, as saved in a model bundle.
///
/// The architecture mirrors Keras' `Sequential`: dense layers with an activation, and dropout
/// layers that act only in training.
public enum LayerSpec: Sendable, Equatable, Codable {
    case dense(units: Int, activation: Activation)
    case dropout(rate: Float)

    private enum CodingKeys: String, CodingKey {
        case type, units, activation, rate
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let type = try container.decode(String.self, forKey: .type)
        switch type {
        case "dense":
            self = .dense(
                units: try container.decode(Int.self, forKey: .units),
                activation: try container.decode(Activation.self, forKey: .activation))
        case "dropout":
            self = .dropout(rate: try container.decode(Float.self, forKey: .rate))
        default:
            throw DecodingError.dataCorruptedError(
                forKey: .type, in: container, debugDescription: "unknown layer type '\(type)' (expected 'dense' or 'dropout')")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .dense(let units, let activation):
            try container.encode("dense", forKey: .type)
            try container.encode(units, forKey: .units)
            try container.encode(activation, forKey: .activation)
        case .dropout(let rate):
            try container.encode("dropout", forKey: .type)
            try container.encode(rate, forKey: .rate)
        }
    }
}

/// A network's shape: its input width and its layers, in order.
public struct Architecture: Sendable, Equatable, Codable {
    public var inputDimension: Int
    public var layers: [LayerSpec]

    public init(inputDimension: Int, layers: [LayerSpec]) {
        self.inputDimension = inputDimension
        self.layers = layers
    }

    private enum CodingKeys: String, CodingKey {
        case inputDimension = "input_dim"
        case layers
    }

    /// The seed's dense autoencoder: 64-32-16-32-64 with ReLU, dropout 0.2 after the 64- and
    /// 32-unit layers, and a linear output as wide as the input; `code` narrows its 16-unit middle
    /// layer.
    public static func seedAutoencoder(inputDimension: Int, dropout: Float = 0.2, code: Int = 16) -> Architecture {
        Architecture(
            inputDimension: inputDimension,
            layers: [
                .dense(units: 64, activation: .relu), .dropout(rate: dropout),
                .dense(units: 32, activation: .relu), .dropout(rate: dropout),
                .dense(units: code, activation: .relu),
                .dense(units: 32, activation: .relu), .dropout(rate: dropout),
                .dense(units: 64, activation: .relu), .dropout(rate: dropout),
                .dense(units: inputDimension, activation: .linear),
            ])
    }

    /// The output width (the last dense layer's units, or the input width without dense layers).
    public var outputDimension: Int {
        for layer in layers.reversed() {
            if case .dense(let units, _) = layer { return units }
        }
        return inputDimension
    }

    /// `(inputs, units)` of every dense layer, in order.
    public var denseShapes: [(inputs: Int, units: Int)] {
        var shapes: [(Int, Int)] = []
        var width = inputDimension
        for case .dense(let units, _) in layers {
            shapes.append((width, units))
            width = units
        }
        return shapes
    }

    /// A reason the architecture cannot be built, or `nil` when it can.
    public var problem: String? {
        if inputDimension < 1 { return "input_dim must be at least 1, got \(inputDimension)" }
        if !layers.contains(where: { if case .dense = $0 { true } else { false } }) {
            return "the network has no dense layer"
        }
        if case .dropout = layers.first { return "a dropout layer must follow a dense layer" }
        for (index, layer) in layers.enumerated() {
            switch layer {
            case .dense(let units, _) where units < 1:
                return "layer \(index): units must be at least 1, got \(units)"
            case .dropout(let rate) where !(rate >= 0 && rate < 1):
                return "layer \(index): dropout rate must be in [0, 1), got \(rate)"
            default:
                continue
            }
        }
        return nil
    }
}

/// The buffers one training step needs, allocated once per fit so the step loop never allocates.
///
/// - Important: not thread-safe; one fit owns one workspace.
final class TrainingWorkspace {
    /// Per dense layer: its activation output (before dropout), `batch × units`.
    let outputs: [UnsafeMutablePointer<Float>]
    /// Per dense layer with dropout: the scaled keep-mask and the dropped output; `nil` without dropout.
    let masks: [UnsafeMutablePointer<Float>?]
    let dropped: [UnsafeMutablePointer<Float>?]
    /// Per dense layer: gradients of its kernel and bias.
    let kernelGradients: [UnsafeMutablePointer<Float>]
    let biasGradients: [UnsafeMutablePointer<Float>]
    /// Two `batch × widest` buffers for the backward pass.
    let deltaA: UnsafeMutablePointer<Float>
    let deltaB: UnsafeMutablePointer<Float>
    /// The current batch's inputs and targets.
    let inputs: UnsafeMutablePointer<Float>
    let targets: UnsafeMutablePointer<Float>
    private var allocations: [UnsafeMutablePointer<Float>] = []

    init(network: Sequential, batchCapacity: Int) {
        var allocations: [UnsafeMutablePointer<Float>] = []
        func buffer(_ count: Int) -> UnsafeMutablePointer<Float> {
            let pointer = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
            pointer.initialize(repeating: 0, count: max(count, 1))
            allocations.append(pointer)
            return pointer
        }
        outputs = network.layers.map { buffer(batchCapacity * $0.units) }
        masks = zip(network.layers, network.dropoutRates).map { $1 > 0 ? buffer(batchCapacity * $0.units) : nil }
        dropped = zip(network.layers, network.dropoutRates).map { $1 > 0 ? buffer(batchCapacity * $0.units) : nil }
        kernelGradients = network.layers.map { buffer($0.kernel.values.count) }
        biasGradients = network.layers.map { buffer($0.bias.count) }
        let widest = network.maximumWidth
        deltaA = buffer(batchCapacity * widest)
        deltaB = buffer(batchCapacity * widest)
        inputs = buffer(batchCapacity * network.inputDimension)
        targets = buffer(batchCapacity * network.outputDimension)
        self.allocations = allocations
    }

    deinit {
        for pointer in allocations { pointer.deallocate() }
    }

    /// What layer `index` hands to the next layer: its dropped output in training, else its output.
    func layerResult(_ index: Int, training: Bool) -> UnsafeMutablePointer<Float> {
        if training, let dropped = dropped[index] { return dropped }
        return outputs[index]
    }

    /// Forward pass over the first `rows` rows of ``inputs``, with dropout when `training`.
    func forward(_ network: Sequential, rows: Int, training: Bool, generator: inout SeededGenerator) {
        var source = UnsafePointer(inputs)
        for (index, layer) in network.layers.enumerated() {
            layer.forward(rows: rows, input: source, output: outputs[index])
            let rate = network.dropoutRates[index]
            if training, rate > 0, let mask = masks[index], let dropped = dropped[index] {
                let count = rows * layer.units
                let keep = 1 / (1 - rate)
                // Keep a unit when a uniform 32-bit draw is at or above rate · 2³²; two draws per 64 random bits.
                let cut = UInt64(Double(rate) * 4_294_967_296)
                let output = outputs[index]
                var i = 0
                while i < count {
                    let bits = generator.next()
                    for half in 0..<2 where i < count {
                        let kept = UInt64(bitPattern: (Int64(bitPattern: cut) &- Int64((bits >> (32 * UInt64(half))) & 0xFFFF_FFFF) &- 1) >> 63)
                        let m = Float(bitPattern: keep.bitPattern & UInt32(truncatingIfNeeded: kept))
                        mask[i] = m
                        dropped[i] = output[i] * m
                        i += 1
                    }
                }
            }
            source = UnsafePointer(layerResult(index, training: training))
        }
    }

    /// The batch's mean squared error against ``targets``; leaves `∂loss/∂output` in ``deltaA``.
    func meanSquaredErrorGradient(_ network: Sequential, rows: Int) -> Float {
        let last = network.layers.count - 1
        let predictions = layerResult(last, training: false)
        let count = rows * network.outputDimension
        let scale = 2 / Float(count)
        var sum: Float = 0
        for i in 0..<count {
            let d = predictions[i] - targets[i]
            sum += d * d
            deltaA[i] = scale * d
        }
        return sum / Float(count)
    }

    /// Backward pass from ``deltaA`` (the loss gradient at the network's output): fills the
    /// kernel and bias gradients.
    func backward(_ network: Sequential, rows: Int) {
        var delta = deltaA
        var spare = deltaB
        for index in stride(from: network.layers.count - 1, through: 0, by: -1) {
            let layer = network.layers[index]
            let units = layer.units
            let inputs = layer.inputs
            layer.activation.backpropagate(delta, output: outputs[index], count: rows * units)
            let layerInput = index == 0 ? UnsafePointer(self.inputs) : UnsafePointer(layerResult(index - 1, training: true))
            // ∂W = inputᵀ · δ
            gemm(
                transposeA: .transposed, m: inputs, n: units, k: rows, a: layerInput, lda: inputs, b: delta, ldb: units,
                c: kernelGradients[index], ldc: units)
            let biasGradient = biasGradients[index]
            biasGradient.update(repeating: 0, count: units)
            for r in 0..<rows {
                let row = delta + r * units
                for j in 0..<units { biasGradient[j] += row[j] }
            }
            guard index > 0 else { break }
            // δ_previous = δ · Wᵀ, then through the previous layer's dropout mask.
            layer.kernel.values.withUnsafeBufferPointer { kernel in
                gemm(
                    transposeB: .transposed, m: rows, n: inputs, k: units, a: delta, lda: units, b: kernel.baseAddress!, ldb: units,
                    c: spare, ldc: inputs)
            }
            if let mask = masks[index - 1] {
                for i in 0..<(rows * inputs) { spare[i] *= mask[i] }
            }
            swap(&delta, &spare)
        }
    }
}

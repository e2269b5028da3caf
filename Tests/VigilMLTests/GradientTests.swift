import Testing

@testable import VigilML

/// Analytic gradients against central finite differences, for every activation, dropout and the loss.
@Suite struct GradientTests {
    /// The batch loss for `network` on `inputs`/`targets`, with dropout masks drawn from `generator`.
    private func loss(_ network: Sequential, _ inputs: Matrix, _ targets: Matrix, _ generator: SeededGenerator) -> Double {
        let workspace = TrainingWorkspace(network: network, batchCapacity: inputs.rows)
        load(workspace, inputs, targets)
        var generator = generator
        workspace.forward(network, rows: inputs.rows, training: true, generator: &generator)
        let last = workspace.layerResult(network.layers.count - 1, training: false)
        var sum = 0.0
        for i in 0..<targets.values.count {
            let d = Double(last[i]) - Double(targets.values[i])
            sum += d * d
        }
        return sum / Double(targets.values.count)
    }

    private func load(_ workspace: TrainingWorkspace, _ inputs: Matrix, _ targets: Matrix) {
        inputs.values.withUnsafeBufferPointer { workspace.inputs.update(from: $0.baseAddress!, count: $0.count) }
        targets.values.withUnsafeBufferPointer { workspace.targets.update(from: $0.baseAddress!, count: $0.count) }
    }

    private func checkGradients(_ architecture: Architecture, seed: UInt64, step h: Float = 1e-3) {
        var generator = SeededGenerator(seed: seed)
        let network = Sequential(architecture: architecture, generator: &generator)
        let rows = 6
        let inputs = Matrix(
            rows: rows, columns: architecture.inputDimension,
            values: (0..<(rows * architecture.inputDimension)).map { _ in generator.nextUniform(-1, 1) })
        let targets = Matrix(
            rows: rows, columns: architecture.outputDimension,
            values: (0..<(rows * architecture.outputDimension)).map { _ in generator.nextUniform(-1, 1) })
        let maskGenerator = generator

        let workspace = TrainingWorkspace(network: network, batchCapacity: rows)
        load(workspace, inputs, targets)
        var forwardGenerator = maskGenerator
        workspace.forward(network, rows: rows, training: true, generator: &forwardGenerator)
        _ = workspace.meanSquaredErrorGradient(network, rows: rows)
        workspace.backward(network, rows: rows)

        let base = loss(network, inputs, targets, maskGenerator)
        var checked = 0
        var kinks = 0
        for (index, layer) in network.layers.enumerated() {
            for (name, count, gradient) in [
                ("kernel", layer.kernel.values.count, workspace.kernelGradients[index]),
                ("bias", layer.bias.count, workspace.biasGradients[index]),
            ] {
                for i in stride(from: 0, to: count, by: max(1, count / 7)) {
                    var plus = network
                    var minus = network
                    if name == "kernel" {
                        plus.layers[index].kernel.values[i] += h
                        minus.layers[index].kernel.values[i] -= h
                    } else {
                        plus.layers[index].bias[i] += h
                        minus.layers[index].bias[i] -= h
                    }
                    let lossPlus = loss(plus, inputs, targets, maskGenerator)
                    let lossMinus = loss(minus, inputs, targets, maskGenerator)
                    let forwardDifference = (lossPlus - base) / Double(h)
                    let backwardDifference = (base - lossMinus) / Double(h)
                    // One-sided differences that disagree mean a ReLU kink lies inside ±h: no derivative to compare.
                    if abs(forwardDifference - backwardDifference) > 2e-3 + 5e-2 * abs(forwardDifference) {
                        kinks += 1
                        continue
                    }
                    checked += 1
                    let numeric = (lossPlus - lossMinus) / (2 * Double(h))
                    let analytic = Double(gradient[i])
                    #expect(
                        abs(numeric - analytic) <= 2e-3 + 2e-2 * abs(numeric),
                        "layer \(index) \(name)[\(i)]: analytic \(analytic), numeric \(numeric)")
                }
            }
        }
        #expect(kinks * 10 <= checked, "\(kinks) of \(checked + kinks) probes sat on a kink")
    }

    @Test(arguments: Activation.allCases)
    func denseLayerGradients(activation: Activation) {
        checkGradients(
            Architecture(inputDimension: 3, layers: [.dense(units: 4, activation: activation), .dense(units: 2, activation: .linear)]),
            seed: 7)
    }

    @Test func dropoutGradients() {
        checkGradients(
            Architecture(
                inputDimension: 3,
                layers: [
                    .dense(units: 8, activation: .tanh), .dropout(rate: 0.3), .dense(units: 5, activation: .sigmoid),
                    .dense(units: 3, activation: .linear),
                ]),
            seed: 11)
    }

    @Test func seedAutoencoderGradients() {
        // Deep ReLU stacks have kinks: a small step keeps the differences on one side of them.
        checkGradients(.seedAutoencoder(inputDimension: 5), seed: 3)
    }

    @Test func lossGradientIsTwiceTheMeanResidual() {
        let network = try! Sequential(
            architecture: Architecture(inputDimension: 2, layers: [.dense(units: 2, activation: .linear)]),
            layers: [Dense(kernel: Matrix([[1, 0], [0, 1]]), bias: [0, 0], activation: .linear)])
        let workspace = TrainingWorkspace(network: network, batchCapacity: 2)
        load(workspace, Matrix([[1, 2], [3, 4]]), Matrix([[0, 2], [3, 2]]))
        var generator = SeededGenerator(seed: 1)
        workspace.forward(network, rows: 2, training: false, generator: &generator)
        let value = workspace.meanSquaredErrorGradient(network, rows: 2)
        #expect(value == 1.25)  // ((1−0)² + 0 + 0 + (4−2)²) / 4
        #expect(Array(UnsafeBufferPointer(start: workspace.deltaA, count: 4)) == [0.5, 0, 0, 1])
    }
}

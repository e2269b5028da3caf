import Testing

@testable import VigilML

@Suite struct TrainerTests {
    /// A linear map the network can represent exactly; Adam must drive the loss to ~0.
    @Test func tinyNetworkLearnsALinearMapToNearZeroLoss() {
        var generator = SeededGenerator(seed: 5)
        let rows = 256
        var inputs = Matrix(rows: rows, columns: 2)
        var targets = Matrix(rows: rows, columns: 2)
        for r in 0..<rows {
            let a = generator.nextUniform(-1, 1)
            let b = generator.nextUniform(-1, 1)
            inputs[r, 0] = a
            inputs[r, 1] = b
            targets[r, 0] = a + b
            targets[r, 1] = a - 2 * b + 0.5
        }
        var network = Sequential(
            architecture: Architecture(inputDimension: 2, layers: [.dense(units: 2, activation: .linear)]), generator: &generator)
        var configuration = TrainingConfiguration()
        configuration.epochs = 300
        configuration.learningRate = 0.05
        configuration.earlyStopping = nil
        let history = Trainer(configuration: configuration).fit(&network, inputs: inputs, targets: targets, generator: &generator)
        #expect(history.bestLoss < 1e-5)
        #expect(abs(network.layers[0].bias[1] - 0.5) < 1e-2)
    }

    @Test func sameSeedGivesTheSameModelBitForBit() {
        func train() -> (Sequential, TrainingHistory) {
            var generator = SeededGenerator(seed: 99)
            let data = Matrix(rows: 300, columns: 5, values: (0..<1500).map { _ in Float(generator.nextNormal()) })
            var network = Sequential(architecture: .seedAutoencoder(inputDimension: 5), generator: &generator)
            var configuration = TrainingConfiguration()
            configuration.epochs = 3
            let validation = data.gatheringRows(0..<60)
            let history = Trainer(configuration: configuration).fit(
                &network, inputs: data, validation: (validation, validation), generator: &generator)
            return (network, history)
        }
        let (first, firstHistory) = train()
        let (second, secondHistory) = train()
        #expect(first == second)
        #expect(firstHistory.epochs.map(\.validationLoss) == secondHistory.epochs.map(\.validationLoss))
        #expect(firstHistory.epochs.map(\.loss) == secondHistory.epochs.map(\.loss))
    }

    @Test func earlyStoppingStopsAfterPatienceEpochsWithoutImprovement() {
        var stopping = EarlyStopping(.init(patience: 2))
        #expect(stopping.observe(1.0) == .improved)
        #expect(stopping.observe(0.5) == .improved)
        #expect(stopping.observe(0.6) == .keepGoing)
        #expect(stopping.observe(0.7) == .stop)
    }

    /// An improvement must beat the best by more than min_delta; a worse loss never counts.
    @Test func earlyStoppingNeedsAnImprovementLargerThanMinimumDelta() {
        var stopping = EarlyStopping(.init(patience: 3, minimumDelta: 0.1))
        #expect(stopping.observe(1.0) == .improved)
        #expect(stopping.observe(1.05) == .keepGoing)
        #expect(stopping.observe(0.95) == .keepGoing)
        #expect(stopping.observe(0.85) == .improved)
        #expect(stopping.best == 0.85)
    }

    /// A fit whose loss is never finite says so, instead of passing its weights off as trained.
    @Test func aFitThatDivergesFromTheStartSaysSo() {
        var generator = SeededGenerator(seed: 1)
        var network = Sequential(architecture: .seedAutoencoder(inputDimension: 3), generator: &generator)
        let data = Matrix(rows: 64, columns: 3, values: (0..<192).map { Float($0 % 7) })
        var configuration = TrainingConfiguration.seed
        configuration.epochs = 3
        configuration.learningRate = 1e6
        var events: [String] = []
        let history = Trainer(configuration: configuration).fit(&network, inputs: data, generator: &generator) { event in
            if case .diverged(let epoch, let best) = event { events.append("diverged \(epoch) \(best)") }
        }
        #expect(history.diverged)
        #expect(events == ["diverged 1 0"])
    }

    @Test func plateauHalvesTheRateDownToTheFloor() {
        var plateau = ReduceLearningRateOnPlateau(.init(factor: 0.5, patience: 2, minimumLearningRate: 3e-4))
        #expect(plateau.observe(1.0, learningRate: 1e-3) == nil)
        #expect(plateau.observe(1.0, learningRate: 1e-3) == nil)
        #expect(plateau.observe(1.0, learningRate: 1e-3) == 5e-4)
        #expect(plateau.observe(1.0, learningRate: 5e-4) == nil)
        #expect(plateau.observe(1.0, learningRate: 5e-4) == 3e-4)
        // An improvement smaller than min_delta (1e-4) is no improvement.
        #expect(plateau.observe(0.99995, learningRate: 3e-4) == nil)
    }

    @Test func adamFirstStepMovesEachWeightByTheLearningRate() {
        var adam = Adam(parameterSizes: [2])
        var weights: [Float] = [1, 1]
        let gradients: [Float] = [0.3, -2]
        let step = adam.beginStep()
        weights.withUnsafeMutableBufferPointer { w in
            gradients.withUnsafeBufferPointer { g in
                adam.update(index: 0, parameters: w.baseAddress!, gradients: g.baseAddress!, count: 2, stepSize: step)
            }
        }
        // Step 1: m̂ = g, v̂ = g², so the move is lr · g / (|g| + ε′) ≈ ±lr.
        #expect(abs(weights[0] - (1 - 1e-3)) < 1e-6)
        #expect(abs(weights[1] - (1 + 1e-3)) < 1e-6)
    }

    @Test func dropoutIsInactiveAtInference() {
        var generator = SeededGenerator(seed: 1)
        let network = Sequential(architecture: .seedAutoencoder(inputDimension: 5), generator: &generator)
        let input = Matrix(rows: 3, columns: 5, values: (0..<15).map { Float($0) / 10 })
        #expect(network.predict(input) == network.predict(input))
    }
}

import Foundation

/// Fits a ``Sequential`` network by mini-batch gradient descent with ``Adam``: Keras' `fit`
/// with `EarlyStopping` and `ReduceLROnPlateau`, the loop of the seed's `train_model.py`.
///
/// ```swift
/// var generator = SeededGenerator(seed: 42)
/// var network = Sequential(architecture: .seedAutoencoder(inputDimension: 5), generator: &generator)
/// let history = Trainer(configuration: .seed).fit(&network, inputs: train, validation: validation, generator: &generator)
/// ```
///
/// Deterministic: the same network, data, configuration and generator state give the same
/// weights bit for bit (on the same BLAS and CPU).
public struct Trainer: Sendable {
    public var configuration: TrainingConfiguration

    public init(configuration: TrainingConfiguration = .seed) {
        precondition(configuration.problem == nil, configuration.problem ?? "")
        self.configuration = configuration
    }

    /// Fits `network` to map `inputs` to `targets` (to `inputs` itself when `targets` is `nil`:
    /// an autoencoder), monitoring `validation` (inputs, targets) when given.
    ///
    /// - Returns: the history; `network` holds the best epoch's weights (when no epoch ended
    ///   with a finite loss, ``TrainingHistory/diverged``, it holds unusable ones).
    public func fit(
        _ network: inout Sequential,
        inputs: Matrix,
        targets: Matrix? = nil,
        validation: (inputs: Matrix, targets: Matrix)? = nil,
        generator: inout SeededGenerator,
        progress: (TrainingEvent) -> Void = { _ in }
    ) -> TrainingHistory {
        let targets = targets ?? inputs
        precondition(inputs.columns == network.inputDimension, "inputs have \(inputs.columns) columns, the network \(network.inputDimension)")
        precondition(targets.columns == network.outputDimension && targets.rows == inputs.rows, "targets do not match")
        precondition(inputs.rows > 0, "no training rows")

        let batchSize = min(configuration.batchSize, inputs.rows)
        let workspace = TrainingWorkspace(network: network, batchCapacity: batchSize)
        var optimizer = Adam(
            learningRate: configuration.learningRate, parameterSizes: network.layers.flatMap { [$0.kernel.values.count, $0.bias.count] })
        var stopping = configuration.earlyStopping.map(EarlyStopping.init)
        var plateau = configuration.reduceLearningRate.map(ReduceLearningRateOnPlateau.init)
        var history = TrainingHistory()
        var bestLayers = network.layers
        var order = Array(0..<inputs.rows)
        let batches = (inputs.rows + batchSize - 1) / batchSize

        for epoch in 1...configuration.epochs {
            let started = DispatchTime.now().uptimeNanoseconds
            if configuration.shuffle { generator.shuffle(&order) }
            var lossSum: Double = 0
            for batch in 0..<batches {
                let start = batch * batchSize
                let rows = min(batchSize, inputs.rows - start)
                copyRows(order[start..<(start + rows)], from: inputs, to: workspace.inputs)
                copyRows(order[start..<(start + rows)], from: targets, to: workspace.targets)
                workspace.forward(network, rows: rows, training: true, generator: &generator)
                let loss = workspace.meanSquaredErrorGradient(network, rows: rows)
                workspace.backward(network, rows: rows)
                applyGradients(workspace, to: &network, optimizer: &optimizer)
                lossSum += Double(loss) * Double(rows)
                progress(.batch(epoch: epoch, batch: batch + 1, batches: batches, loss: Float(lossSum / Double(start + rows))))
            }
            let trainingLoss = Float(lossSum / Double(inputs.rows))
            let validationLoss = validation.map { meanSquaredError(network.predict($0.inputs), $0.targets) }
            let report = EpochReport(
                epoch: epoch, epochs: configuration.epochs, loss: trainingLoss, validationLoss: validationLoss,
                learningRate: optimizer.learningRate, seconds: Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9)
            history.epochs.append(report)
            progress(.epochEnded(report))

            let monitored = validationLoss ?? trainingLoss
            guard monitored.isFinite else {
                // Diverged: keep the best weights so far (none before the first finite epoch) and stop.
                history.stoppedEarly = true
                progress(.diverged(epoch: epoch, bestEpoch: history.bestEpoch))
                break
            }
            if monitored < history.bestLoss {
                history.bestLoss = monitored
                history.bestEpoch = epoch
                bestLayers = network.layers
            }
            let decision = stopping?.observe(monitored)
            if decision == .stop {
                history.stoppedEarly = true
                progress(.stoppedEarly(epoch: epoch, bestEpoch: history.bestEpoch))
                break
            }
            if let reduced = plateau?.observe(monitored, learningRate: optimizer.learningRate) {
                optimizer.learningRate = reduced
                progress(.learningRateReduced(epoch: epoch, to: reduced))
            }
        }
        if history.bestEpoch > 0 { network.layers = bestLayers }
        return history
    }

    private func copyRows(_ rows: ArraySlice<Int>, from matrix: Matrix, to destination: UnsafeMutablePointer<Float>) {
        let columns = matrix.columns
        matrix.values.withUnsafeBufferPointer { source in
            var target = destination
            for row in rows {
                target.update(from: source.baseAddress! + row * columns, count: columns)
                target += columns
            }
        }
    }

    private func applyGradients(_ workspace: TrainingWorkspace, to network: inout Sequential, optimizer: inout Adam) {
        let stepSize = optimizer.beginStep()
        for index in network.layers.indices {
            let kernelCount = network.layers[index].kernel.values.count
            network.layers[index].kernel.values.withUnsafeMutableBufferPointer { kernel in
                optimizer.update(
                    index: 2 * index, parameters: kernel.baseAddress!, gradients: workspace.kernelGradients[index], count: kernelCount,
                    stepSize: stepSize)
            }
            let biasCount = network.layers[index].bias.count
            network.layers[index].bias.withUnsafeMutableBufferPointer { bias in
                optimizer.update(
                    index: 2 * index + 1, parameters: bias.baseAddress!, gradients: workspace.biasGradients[index], count: biasCount,
                    stepSize: stepSize)
            }
        }
    }
}

/// Keras' `EarlyStopping(monitor, patience, restore_best_weights=True)`.
///
/// Stops when the monitored loss has not improved for `patience` epochs. Unlike Keras, which
/// restores the best weights only when it actually stops early, Vigil always ends with the
/// best epoch's weights.
public struct EarlyStopping: Sendable {
    public struct Configuration: Sendable, Equatable {
        public var patience = 10
        /// An improvement must be larger than this.
        public var minimumDelta: Float = 0
        public init(patience: Int = 10, minimumDelta: Float = 0) {
            self.patience = patience
            self.minimumDelta = minimumDelta
        }
    }

    let configuration: Configuration
    private(set) var best: Float = .infinity
    private var wait = 0

    init(_ configuration: Configuration) { self.configuration = configuration }

    enum Decision { case improved, keepGoing, stop }

    mutating func observe(_ loss: Float) -> Decision {
        wait += 1
        if loss < best - configuration.minimumDelta {
            best = loss
            wait = 0
            return .improved
        }
        return wait >= configuration.patience ? .stop : .keepGoing
    }
}

/// Keras' `ReduceLROnPlateau(monitor, factor, patience, min_lr)` (mode min, cooldown 0).
public struct ReduceLearningRateOnPlateau: Sendable {
    public struct Configuration: Sendable, Equatable {
        public var factor: Float = 0.5
        public var patience = 5
        public var minimumLearningRate: Float = 1e-6
        /// Keras' default `min_delta`.
        public var minimumDelta: Float = 1e-4
        public init(factor: Float = 0.5, patience: Int = 5, minimumLearningRate: Float = 1e-6, minimumDelta: Float = 1e-4) {
            self.factor = factor
            self.patience = patience
            self.minimumLearningRate = minimumLearningRate
            self.minimumDelta = minimumDelta
        }
    }

    let configuration: Configuration
    private var best: Float = .infinity
    private var wait = 0

    init(_ configuration: Configuration) { self.configuration = configuration }

    /// The new learning rate when this epoch's loss calls for a reduction, else `nil`.
    mutating func observe(_ loss: Float, learningRate: Float) -> Float? {
        if loss < best - configuration.minimumDelta {
            best = loss
            wait = 0
            return nil
        }
        wait += 1
        guard wait >= configuration.patience else { return nil }
        wait = 0
        guard learningRate > configuration.minimumLearningRate else { return nil }
        return max(learningRate * configuration.factor, configuration.minimumLearningRate)
    }
}

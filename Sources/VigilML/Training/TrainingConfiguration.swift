/// How ``Trainer`` fits a network: Keras' `fit` arguments and the two callbacks the seed uses.
public struct TrainingConfiguration: Sendable, Equatable {
    /// The most epochs to run.
    public var epochs: Int = 100
    public var batchSize: Int = 32
    public var learningRate: Float = 1e-3
    /// Reshuffle the training rows before every epoch.
    public var shuffle = true
    /// Early stopping on validation loss (training loss without a validation set); `nil` turns it off.
    public var earlyStopping: EarlyStopping.Configuration? = .init()
    /// Halve the learning rate on a plateau; `nil` turns it off.
    public var reduceLearningRate: ReduceLearningRateOnPlateau.Configuration? = .init()

    public init() {}

    /// The seed's setup: batch 32, up to 100 epochs, patience 10 / 5, factor 0.5, min lr 1e-6.
    public static var seed: TrainingConfiguration { TrainingConfiguration() }

    /// A reason the configuration cannot be used, or `nil`.
    public var problem: String? {
        if epochs < 1 { return "epochs must be at least 1, got \(epochs)" }
        if batchSize < 1 { return "batch size must be at least 1, got \(batchSize)" }
        if !(learningRate > 0 && learningRate.isFinite) { return "learning rate must be positive, got \(learningRate)" }
        return nil
    }
}

/// One finished epoch, as Keras prints it.
public struct EpochReport: Sendable, Equatable {
    /// 1-based.
    public var epoch: Int
    public var epochs: Int
    /// The mean training loss over the epoch's batches (with dropout active).
    public var loss: Float
    /// The loss on the validation rows, without dropout (`nil` without validation data).
    public var validationLoss: Float?
    /// The learning rate used in this epoch.
    public var learningRate: Float
    public var seconds: Double
}

/// Progress of a running fit, for progress bars and logs.
public enum TrainingEvent: Sendable {
    /// A batch finished: `batch` of `batches` (1-based) in `epoch`, with the epoch's running mean loss.
    case batch(epoch: Int, batch: Int, batches: Int, loss: Float)
    case epochEnded(EpochReport)
    /// The learning rate was reduced at the end of `epoch`.
    case learningRateReduced(epoch: Int, to: Float)
    /// Early stopping ended the fit after `epoch`; the weights of `bestEpoch` are restored.
    case stoppedEarly(epoch: Int, bestEpoch: Int)
    /// The fit leaves out `rows` of the `of` training rows, labeled anomalous.
    case leftOutLabeled(rows: Int, of: Int)
    /// A second fit starts, on `rows` of the `of` training rows (the rest were set aside).
    case refitting(rows: Int, of: Int)
    /// The loss became NaN or infinite at `epoch`; the fit ended there, with the weights of
    /// `bestEpoch` (0: none was finite, see ``TrainingHistory/diverged``).
    case diverged(epoch: Int, bestEpoch: Int)
}

/// What a fit did.
public struct TrainingHistory: Sendable, Equatable {
    public var epochs: [EpochReport] = []
    /// The epoch (1-based) whose weights the network holds after the fit.
    public var bestEpoch: Int = 0
    /// The monitored loss of ``bestEpoch``.
    public var bestLoss: Float = .infinity
    public var stoppedEarly = false

    /// Whether no epoch ended with a finite loss: the network holds no usable weights.
    public var diverged: Bool { bestEpoch == 0 && !epochs.isEmpty }
}

public import VigilML

/// Everything needed to score: the network, the scaler and feature names it was trained with,
/// the calibration, and where it came from. Saved as a directory (see `docs/model-bundle.md`).
public struct ModelBundle: Sendable, Equatable {
    /// The newest bundle format this version of Vigil reads and writes. Version 2 adds baselines
    /// (``TemporalWindow/baselineHalfLife``) and version 3 seasons (``TemporalWindow/seasonLength``,
    /// ``SeasonalProfile``), which older readers would silently ignore; version 4 marks the
    /// baseline that starts at each series' first vector (``Baseline``), which older readers would
    /// start at the training means. A bundle is written with the oldest
    /// version that holds it, so older Vigil versions can serve what they understand; a version 2
    /// or 3 bundle with a baseline is read with the version 4 baseline (retrain to match it).
    /// Version 5 adds the nearest-neighbour evidence (``NeighborProfile``) and the
    /// ``reconstructionWeight``.
    public static let formatVersion = 5

    /// The format version this bundle needs.
    public var requiredFormatVersion: Int {
        neighbors != nil || reconstructionWeight != 1 ? 5 : window.baselineHalfLife != nil ? 4 : window.seasonLength != nil ? 3 : 1
    }

    /// The features a vector carries, in order: what users send.
    public var features: [String]
    /// The temporal context the model sees; its input is ``inputWidth`` wide, the network's
    /// ``networkWidth``.
    public var window: TemporalWindow
    public var network: Sequential
    /// Fitted on the network's inputs (``networkWidth`` columns).
    public var scaler: StandardScaler
    /// Each feature's mean over the training rows, in raw units: what a missing feature is
    /// imputed with, and where a new series' baseline starts (see ``TemporalWindow``).
    public var featureMeans: [Double]
    /// Per-feature evidence added to the reconstruction error; `nil` for the autoencoder alone.
    public var robust: RobustProfile?
    /// The seasonal evidence added to the reconstruction error: present exactly when the window
    /// has a season.
    public var seasonal: SeasonalProfile?
    /// The distance to the nearest training windows, added to the reconstruction error; `nil`
    /// for none.
    public var neighbors: NeighborProfile?
    /// How much the reconstruction error weighs in the evidence: 1, or 0 for a model judged by
    /// its other evidence alone (the `sensors` recipe's nearest neighbours).
    public var reconstructionWeight: Double

    /// Whether the bundle is judged by its nearest neighbours alone (the `sensors` recipe): its
    /// calibration then saw every training row, each measured from the other references.
    public var isJudgedByNeighborsAlone: Bool { neighbors != nil && reconstructionWeight == 0 }
    /// `nil` for an imported model not yet calibrated: it cannot score until it is.
    public var calibration: Calibration?
    public var training: TrainingMetadata
    /// The Vigil version that wrote the bundle.
    public var vigilVersion: String

    public init(
        features: [String], window: TemporalWindow = .none, network: Sequential, scaler: StandardScaler, featureMeans: [Double]? = nil,
        robust: RobustProfile? = nil, seasonal: SeasonalProfile? = nil, neighbors: NeighborProfile? = nil, reconstructionWeight: Double = 1,
        calibration: Calibration?, training: TrainingMetadata, vigilVersion: String = Vigil.version
    ) {
        self.features = features
        self.window = window
        // Without a baseline the newest slot of the input is the raw vector, whose means the scaler holds.
        precondition(featureMeans != nil || window.baselineHalfLife == nil, "a window with a baseline needs the training means")
        self.featureMeans = featureMeans ?? Array(scaler.mean.prefix(features.count))
        self.network = network
        self.scaler = scaler
        self.robust = robust
        precondition((seasonal != nil) == (window.seasonLength != nil), "a seasonal profile exactly when the window has a season")
        self.seasonal = seasonal
        self.neighbors = neighbors
        self.reconstructionWeight = reconstructionWeight
        self.calibration = calibration
        self.training = training
        self.vigilVersion = vigilVersion
    }

    /// The width of the model's input: every feature at every step of the ``window``, then each
    /// feature's change from the seasons before when the window has a season.
    public var inputWidth: Int { window.inputWidth(features: features.count) }

    /// The width of the network's input: every feature at every step of the ``window``.
    public var networkWidth: Int { window.networkWidth(features: features.count) }

    /// Eight hex digits that tell models apart: a digest of the training data's fingerprint, the
    /// training's time and seed, and the threshold (a recalibrated model is another). The data
    /// alone would give one stamp to every model trained on a file, whatever its settings.
    public var versionStamp: String {
        var digest = FNV1a64()
        digest.mix((training.dataFingerprint ?? "").utf8)
        digest.mix(0)
        digest.mix(training.createdAt.utf8)
        digest.mix(0)
        digest.mix("\(training.seed.map(String.init) ?? "")|\(calibration.map { String($0.threshold) } ?? "")".utf8)
        return String(digest.text.suffix(8))
    }
}

/// Where a model's weights came from and how training went.
public struct TrainingMetadata: Sendable, Equatable, Codable {
    /// `synthetic:seed`, `csv:<file name>` or `keras-import:<file name>`.
    public var source: String
    public var samples: Int?
    public var epochsRun: Int?
    public var bestEpoch: Int?
    public var bestValidationLoss: Double?
    public var finalLoss: Double?
    public var finalValidationLoss: Double?
    public var seed: UInt64?
    /// ISO 8601, UTC.
    public var createdAt: String
    public var dataFingerprint: String?

    public init(
        source: String, samples: Int? = nil, epochsRun: Int? = nil, bestEpoch: Int? = nil, bestValidationLoss: Double? = nil,
        finalLoss: Double? = nil, finalValidationLoss: Double? = nil, seed: UInt64? = nil, createdAt: String, dataFingerprint: String? = nil
    ) {
        self.source = source
        self.samples = samples
        self.epochsRun = epochsRun
        self.bestEpoch = bestEpoch
        self.bestValidationLoss = bestValidationLoss
        self.finalLoss = finalLoss
        self.finalValidationLoss = finalValidationLoss
        self.seed = seed
        self.createdAt = createdAt
        self.dataFingerprint = dataFingerprint
    }

    enum CodingKeys: String, CodingKey {
        case source, samples, seed
        case epochsRun = "epochs_run"
        case bestEpoch = "best_epoch"
        case bestValidationLoss = "best_val_loss"
        case finalLoss = "final_loss"
        case finalValidationLoss = "final_val_loss"
        case createdAt = "created_at"
        case dataFingerprint = "data_fingerprint"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(source, forKey: .source)
        try container.encode(samples, forKey: .samples)
        try container.encode(epochsRun, forKey: .epochsRun)
        try container.encode(bestEpoch, forKey: .bestEpoch)
        try container.encode(bestValidationLoss, forKey: .bestValidationLoss)
        try container.encode(finalLoss, forKey: .finalLoss)
        try container.encode(finalValidationLoss, forKey: .finalValidationLoss)
        try container.encode(seed, forKey: .seed)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(dataFingerprint, forKey: .dataFingerprint)
    }
}

/// Facts about this build of Vigil.
public enum Vigil {
    public static let version = "0.1.0"
}

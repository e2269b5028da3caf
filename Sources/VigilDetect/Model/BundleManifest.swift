import VigilML

/// `model.json`: everything in a bundle but the weights.
struct BundleManifest: Codable {
    var formatVersion: Int
    var vigilVersion: String
    var features: [String]
    /// Absent for a model of single vectors (and bundles written before windows existed).
    var window: TemporalWindow?
    var architecture: Architecture
    var scaler: StandardScaler
    /// Absent in bundles written before it existed, whose scaler holds the same means.
    var featureMeans: [Double]?
    /// Absent for bundles scored by the reconstruction error alone (and those written before it existed).
    var robust: RobustProfile?
    /// Present exactly when the window has a season (format version 3).
    var seasonal: SeasonalProfile?
    /// The nearest-neighbour evidence's settings (format version 5); its references are the
    /// weights file's `neighbors.references`.
    var neighbors: Neighbors?
    /// Absent for 1 (and in bundles written before format version 5).
    var reconstructionWeight: Double?
    var calibration: Calibration?
    var training: TrainingMetadata
    /// The FNV-1a digest of `model.safetensors` as saved with this manifest, so that the files of
    /// two saves are not mixed unnoticed; absent in bundles written before it existed.
    var weightsFingerprint: String?

    enum CodingKeys: String, CodingKey {
        case features, window, architecture, scaler, calibration, training
        case formatVersion = "format_version"
        case vigilVersion = "vigil_version"
        case robust = "robust_profile"
        case seasonal = "seasonal_profile"
        case neighbors = "neighbor_profile"
        case reconstructionWeight = "reconstruction_weight"
        case featureMeans = "feature_means"
        case weightsFingerprint = "weights_fingerprint"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(formatVersion, forKey: .formatVersion)
        try container.encode(vigilVersion, forKey: .vigilVersion)
        try container.encode(features, forKey: .features)
        if let window, window != .none { try container.encode(window, forKey: .window) }
        try container.encode(architecture, forKey: .architecture)
        try container.encode(scaler, forKey: .scaler)
        try container.encodeIfPresent(featureMeans, forKey: .featureMeans)
        try container.encodeIfPresent(robust, forKey: .robust)
        try container.encodeIfPresent(seasonal, forKey: .seasonal)
        try container.encodeIfPresent(neighbors, forKey: .neighbors)
        try container.encodeIfPresent(reconstructionWeight, forKey: .reconstructionWeight)
        try container.encode(calibration, forKey: .calibration)
        try container.encode(training, forKey: .training)
        try container.encodeIfPresent(weightsFingerprint, forKey: .weightsFingerprint)
    }

    /// A ``NeighborProfile`` but its references.
    struct Neighbors: Codable {
        var steps: Int
        var meanLength: Int
        var neighbors: Int
        var center: [Double]
        var scale: [Double]

        enum CodingKeys: String, CodingKey {
            case steps, neighbors, center, scale
            case meanLength = "mean_length"
        }
    }

    /// Just the version, decoded first so an unknown version is reported as such rather than
    /// as whatever field changed.
    struct Version: Decodable {
        var formatVersion: Int
        enum CodingKeys: String, CodingKey { case formatVersion = "format_version" }
    }
}

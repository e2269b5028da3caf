public import Foundation
public import VigilDetect

/// Where the model in service came from, as `/health` and `/api/v1/ml/model-info` report it.
public enum ModelSource: String, Sendable {
    /// A bundle a user trained or imported.
    case bundle
    /// Vigil's own model trained on the seed's synthetic profile because none was configured:
    /// usable for a demo, not tuned to any real service.
    case syntheticDefault = "synthetic-default"
}

/// A loaded, calibrated model and the per-service state that belongs to its feature schema.
public struct ServingModel: Sendable {
    public let detector: AnomalyDetector
    public let source: ModelSource
    /// The bundle directory it was loaded from.
    public let path: String
    /// Increases with every successful load or reload.
    public let generation: Int
    public let loadedAt: Date
    /// Builds each service's vector from single-metric events.
    public let assembler: FeatureAssembler

    public var bundle: ModelBundle { detector.bundle }
    public var features: [String] { detector.features }

    /// A short version string: the Vigil version and the bundle's ``ModelBundle/versionStamp``.
    public var version: String { "\(bundle.vigilVersion)+\(bundle.versionStamp)" }
}

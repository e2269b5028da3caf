import Foundation
public import Logging
public import VigilDetect
import VigilML

/// Finds, loads, trains (when allowed) and reloads the model the service scores with.
///
/// - With `--model DIR` (or `MODEL_PATH`), that bundle is loaded; if it cannot be, the error is
///   logged and shown in `/health`, and the fallback scores until a reload succeeds.
/// - Without it, the bundle in `<data dir>/model` is used; if there is none, Vigil trains the
///   seed's synthetic default there (a few seconds), says so everywhere (`model_source:
///   synthetic-default` and a log warning), or, with `--require-model`, refuses to start.
public struct ModelLoader: Sendable {
    public let configuredPath: String?
    public let defaultPath: String
    public let requireModel: Bool

    public init(configuredPath: String?, dataDirectory: String, requireModel: Bool) {
        self.configuredPath = configuredPath
        self.defaultPath = URL(fileURLWithPath: dataDirectory).appendingPathComponent("model").path
        self.requireModel = requireModel
    }

    /// The bundle directory loads and reloads read.
    public var path: String { configuredPath ?? defaultPath }

    /// Whether start-up must train the synthetic default because there is no bundle.
    public var needsDefaultTraining: Bool {
        configuredPath == nil && !FileManager.default.fileExists(atPath: defaultPath + "/" + ModelBundle.manifestFileName)
    }

    /// The source a bundle is reported with.
    static func source(of bundle: ModelBundle) -> ModelSource {
        bundle.training.source == SeedProfile.source ? .syntheticDefault : .bundle
    }

    /// Loads the bundle at ``path`` into `holder` (`prepare`: see ``ModelHolder/install(_:path:source:prepare:)``);
    /// on failure the old model keeps serving.
    @discardableResult
    public func load(
        into holder: ModelHolder, logger: Logger, prepare: (FeatureAssembler) -> Void = { _ in }
    ) -> Result<ServingModel, BundleError> {
        do {
            let bundle = try ModelBundle.load(from: path)
            let model = try holder.install(bundle, path: path, source: Self.source(of: bundle), prepare: prepare)
            logger.info(
                "model loaded",
                metadata: [
                    "path": "\(path)", "source": "\(model.source.rawValue)", "features": "\(model.features.joined(separator: ","))",
                    "threshold": .stringConvertible(model.detector.threshold), "generation": .stringConvertible(model.generation),
                ])
            if model.source == .syntheticDefault {
                logger.warning(
                    "serving the synthetic default model: it knows the seed's generator, not your services; train one with `vigil train --data`")
            }
            return .success(model)
        } catch {
            holder.recordFailure(error.description)
            let consequence =
                holder.current != nil
                ? "the previous model keeps serving" : requireModel ? "--require-model: Vigil does not start" : "the range-excess fallback scores"
            logger.error("model not loaded; \(consequence)", metadata: ["error": "\(error.description)"])
            return .failure(error)
        }
    }

    /// Trains the seed's synthetic default into ``defaultPath``, then loads it.
    public func trainDefault(into holder: ModelHolder, logger: Logger, prepare: (FeatureAssembler) -> Void = { _ in }) throws {
        logger.warning("no model bundle at \(defaultPath): training the synthetic default model (seed profile, 50,000 rows)")
        var generator = SeededGenerator(seed: 42)
        let data = SeedProfile.generate(samples: SeedProfile.defaultSamples, generator: &generator)
        let trainer = Recipe.synthetic.trainer
        let started = Date()
        let (bundle, history) = try trainer.train(Dataset(features: data.features, values: data.values, source: data.source))
        try bundle.save(to: defaultPath)
        logger.info(
            "synthetic default model trained",
            metadata: [
                "seconds": .stringConvertible((Date().timeIntervalSince(started) * 10).rounded() / 10),
                "epochs": .stringConvertible(history.epochs.count),
            ])
        load(into: holder, logger: logger, prepare: prepare)
    }
}

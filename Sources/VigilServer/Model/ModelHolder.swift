import Foundation
import Synchronization
public import VigilDetect

/// The model in service, swapped atomically on reload: readers take a snapshot under a lock and
/// score without holding it, so a reload never pauses scoring.
public final class ModelHolder: Sendable {
    /// What the service is doing about its model.
    public enum Status: String, Sendable {
        /// Loading or training at start-up; the fallback scores meanwhile.
        case loading
        /// A model is in service.
        case ready
        /// No model could be loaded; the fallback scores. See ``State/lastError``.
        case failed
    }

    public struct State: Sendable {
        public var model: ServingModel?
        public var status: Status = .loading
        /// The latest load or reload failure since a bundle last loaded (a model already in
        /// service keeps serving meanwhile).
        public var lastError: String?
        var generation = 0
    }

    private let state = Mutex(State())
    /// How long feature values stay fresh, for the assembler of each installed model.
    let staleness: Double

    public init(staleness: Double) {
        self.staleness = staleness
    }

    public var snapshot: State { state.withLock { $0 } }
    public var current: ServingModel? { state.withLock { $0.model } }

    /// Puts `bundle` in service; per-service feature state (values, windows, baselines, seasons)
    /// carries over when the features and window match (see
    /// ``FeatureAssembler/init(features:defaults:staleness:capacity:window:carryingStateOf:)``).
    /// `prepare` gets a new assembler before the model serves (the saved state restored into it
    /// at start-up), so that nothing is scored without that state.
    @discardableResult
    public func install(
        _ bundle: ModelBundle, path: String, source: ModelSource, prepare: (FeatureAssembler) -> Void = { _ in }
    ) throws(BundleError) -> ServingModel {
        let detector = try AnomalyDetector(bundle: bundle, path: path)
        // The assembler is made (and prepared: reading a saved state can take seconds) outside
        // the lock, which every request takes to find the model in service.
        let previous = current?.assembler
        let assembler: FeatureAssembler
        if let previous, previous.features == bundle.features, previous.window == bundle.window, previous.defaults == bundle.featureMeans {
            assembler = previous  // the same model again: nothing to copy, no update lost meanwhile
        } else {
            assembler = FeatureAssembler(
                features: bundle.features, defaults: bundle.featureMeans, staleness: staleness, window: bundle.window, carryingStateOf: previous)
            prepare(assembler)
        }
        return state.withLock { state in
            state.generation += 1
            let model = ServingModel(
                detector: detector, source: source, path: path, generation: state.generation, loadedAt: Date(), assembler: assembler)
            state.model = model
            state.status = .ready
            state.lastError = nil
            return model
        }
    }

    /// Records a failed load; a model already in service keeps serving.
    public func recordFailure(_ message: String) {
        state.withLock { state in
            state.lastError = message
            if state.model == nil { state.status = .failed }
        }
    }
}

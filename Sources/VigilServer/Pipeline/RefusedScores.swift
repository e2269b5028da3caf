import Synchronization
import VigilDetect

/// The scores of events whose alerts the store refused, kept for the resend an HTTP client makes
/// after a 5xx. Scoring folded those events into their services' state; scored again they would
/// be judged against the state they moved on (the batch's later rows already in it) and the
/// fallback's ranges would take them twice. A resent event takes its kept score instead, once.
///
/// Kept for ``lifetime`` after the latest refusal, and only for the model that scored them (a
/// resend after a reload is scored afresh): a batch never resent costs nothing for long.
final class RefusedScores: Sendable {
    private struct Kept {
        var results: [MetricEvent: DetectionResult] = [:]
        var generation = 0
        var until = ContinuousClock.Instant.now
    }

    private let kept = Mutex(Kept())
    /// The most events kept: beyond, the scores of further refused batches are not kept.
    let capacity: Int
    /// How long the scores are kept after the latest refusal.
    let lifetime: Duration

    init(capacity: Int = 100_000, lifetime: Duration = .seconds(600)) {
        self.capacity = capacity
        self.lifetime = lifetime
    }

    /// Keeps the scores of `events`, whose alerts were not stored, scored by the model of
    /// `generation` (0: the fallback).
    func keep(_ events: [MetricEvent], _ results: [DetectionResult], generation: Int) {
        kept.withLock { kept in
            if kept.generation != generation { kept = Kept(generation: generation) }
            guard kept.results.count + events.count <= capacity else { return }
            for (event, result) in zip(events, results) { kept.results[event] = result }
            kept.until = .now + lifetime
        }
    }

    /// The kept score of each of `events` (`nil` where none is kept), each taken out; `nil`
    /// when none is kept for the model of `generation` (the usual case, without a lookup per
    /// event).
    func take(_ events: [MetricEvent], generation: Int) -> [DetectionResult?]? {
        kept.withLock { kept in
            guard !kept.results.isEmpty else { return nil }
            guard kept.generation == generation, ContinuousClock.now < kept.until else {
                kept = Kept()
                return nil
            }
            let found = events.map { kept.results.removeValue(forKey: $0) }
            return found.contains { $0 != nil } ? found : nil
        }
    }
}

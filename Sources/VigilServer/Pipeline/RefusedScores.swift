import Synchronization
import VigilDetect

/// The scores of events whose alerts the store refused, kept for the resend an HTTP client makes
/// after a 5xx. Scoring folded those events into their services' state; scored again they would
/// be judged against the state they moved on (the batch's later rows already in it) and the
/// fallback's ranges would take them twice. A resent event takes its kept score instead, once.
final class RefusedScores: Sendable {
    private let kept = Mutex<[MetricEvent: DetectionResult]>([:])
    /// The most events kept: beyond, the scores of further refused batches are not kept.
    let capacity: Int

    init(capacity: Int = 100_000) {
        self.capacity = capacity
    }

    /// Keeps the scores of `events`, whose alerts were not stored.
    func keep(_ events: [MetricEvent], _ results: [DetectionResult]) {
        kept.withLock { kept in
            guard kept.count + events.count <= capacity else { return }
            for (event, result) in zip(events, results) { kept[event] = result }
        }
    }

    /// The kept score of each of `events` (`nil` where none is kept), each taken out; `nil`
    /// when none is kept at all (the usual case, without a lookup per event).
    func take(_ events: [MetricEvent]) -> [DetectionResult?]? {
        kept.withLock { kept in
            guard !kept.isEmpty else { return nil }
            let found = events.map { kept.removeValue(forKey: $0) }
            return found.contains { $0 != nil } ? found : nil
        }
    }
}

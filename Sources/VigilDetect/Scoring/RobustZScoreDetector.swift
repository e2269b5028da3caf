import Synchronization

/// The fallback when no model can score: each feature against its own service's recent history,
/// by robust z-score (`0.6745 · (x − median) / MAD` over a sliding window).
///
/// The seed's fallback computed one z-score across five unrelated features (CPU against
/// response time); this one compares like with like. Scores follow the calibrated model's
/// conventions: `anomaly_score` is 0.5 at the threshold (|z| = ``threshold``) and reaches 1 at
/// twice it; `confidence` is 0.5 at the threshold and 1 far from it; `reconstruction_error`
/// holds the largest |z| and `threshold` the |z| threshold. Thread-safe.
public final class RobustZScoreDetector: Sendable {
    public let features: [String]
    /// The |z| above which a vector is anomalous (3.5, Iglewicz and Hoaglin's rule).
    public let threshold: Double
    /// The points of history kept per service and feature.
    public let window: Int
    /// Points needed before a feature can be judged; until then it scores 0.
    public let minimumHistory: Int
    private let histories = Mutex<[String: [RingBuffer]]>([:])

    public init(features: [String], threshold: Double = 3.5, window: Int = 256, minimumHistory: Int = 10) {
        self.features = features
        self.threshold = threshold
        self.window = window
        self.minimumHistory = minimumHistory
    }

    /// Drops the history of `services`.
    public func forget(_ services: some Sequence<String>) {
        histories.withLock { histories in
            for service in services { histories[service] = nil }
        }
    }

    /// Scores `values` (`nil` for a missing feature) against `service`'s history, then adds them to it.
    public func score(service: String, values: [Double?]) -> Score {
        precondition(values.count == features.count, "one value per feature")
        let zs: [Double] = histories.withLock { histories in
            var buffers = histories[service] ?? Array(repeating: RingBuffer(capacity: window), count: features.count)
            let zs = values.enumerated().map { index, value -> Double in
                guard let value else { return 0 }
                let z = buffers[index].count >= minimumHistory ? buffers[index].robustZ(value) : 0
                buffers[index].append(value)
                return z
            }
            histories[service] = buffers
            return zs
        }
        let largest = zs.map(abs).max() ?? 0
        let squares = zs.map { $0 * $0 }
        let total = squares.reduce(0, +)
        let isAnomaly = largest > threshold
        let confidence = isAnomaly ? 0.5 + 0.5 * min(1, (largest - threshold) / threshold) : 0.5 + 0.5 * (threshold - largest) / threshold
        return Score(
            anomalyScore: min(1, largest / (2 * threshold)), isAnomaly: isAnomaly, confidence: confidence, reconstructionError: largest,
            threshold: threshold, featureScores: total > 0 ? squares.map { $0 / total } : squares)
    }
}

/// A fixed-size window of the latest values, with robust statistics over it.
struct RingBuffer: Sendable {
    private var values: [Double] = []
    private var next = 0
    let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    var count: Int { values.count }

    mutating func append(_ value: Double) {
        if values.count < capacity {
            values.append(value)
        } else {
            values[next] = value
            next = (next + 1) % capacity
        }
    }

    /// `0.6745 · (x − median) / MAD`; with a zero MAD (a flat series), any change is infinitely
    /// surprising, so a small floor relative to the median's magnitude stands in for it.
    func robustZ(_ x: Double) -> Double {
        let sorted = values.sorted()
        let median = Self.median(sorted)
        let deviations = sorted.map { abs($0 - median) }.sorted()
        let mad = max(Self.median(deviations), 1e-6 * max(1, abs(median)))
        return 0.6745 * (x - median) / mad
    }

    private static func median(_ sorted: [Double]) -> Double {
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}

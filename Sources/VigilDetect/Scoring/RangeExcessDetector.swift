import Synchronization

/// A streaming detector that needs no training: each feature of each service is judged against
/// its own recent range. It serves while no model is loaded, and it is Vigil's detector for
/// single streams with no clean history to learn from (NAB's CloudWatch series).
///
/// Per feature, three channels are tracked: the value, its mean over the last
/// ``Configuration/smoothing`` points (a sustained shift), and its mean absolute change over them
/// (sudden agitation). Each channel is compared with the range of its own previous
/// ``Configuration/history`` values: the excess is how far it lies beyond that range, in units of
/// the range (`max(c − max, min − c) / (max − min)`). A point is anomalous when an excess passes
/// ``Configuration/threshold``, and the service stays flagged for ``Configuration/hold`` time
/// steps after (distinct event times), so one burst raises one alarm, not a flicker; a held point
/// reports the threshold's score and confidence, 0.5, and so does a point of a service none of
/// whose features has its warm-up yet (normal, as far as anyone can tell).
///
/// Why a range and not a z-score: daily peaks and repeated bursts stay inside a two-day range and
/// never fire again, and a range needs no spread estimate that collapses on flat stretches (a
/// median/MAD z-score raises 50–60 false alarms per 1,000 points on NAB). A value whose past never
/// moved is judged against a sliver of itself (``ChannelHistory/flatRange``): the first change of
/// a flatlined metric is an anomaly, and then part of the range. (Flat means and changes, which
/// any strictly regular pattern has, are not judged.)
///
/// Scores follow the model's conventions: `reconstruction_error` holds the largest excess,
/// `threshold` the excess threshold, `anomaly_score` is 0.5 at the threshold and 1 at twice it.
/// Each service costs about 14 KB per feature; at most ``capacity`` services are kept: a new one
/// beyond it makes the least recently seen tenth be forgotten. Thread-safe.
public final class RangeExcessDetector: Sendable {
    /// The detector's constants, chosen once on NAB realAWSCloudwatch and stable within ±25 % of
    /// each (see QUALITY.md).
    public struct Configuration: Sendable, Equatable {
        /// Previous points forming a channel's range: 576, two days of 5-minute points.
        public var history = 576
        /// Points in the level and activity means: 8, forty minutes of 5-minute points.
        public var smoothing = 8
        /// The excess, as a share of the range, above which a point is anomalous.
        public var threshold = 0.15
        /// Points a service stays flagged after its last excess: 24, two hours.
        public var hold = 24
        /// Previous values a channel needs before it is judged: a range of a few points means
        /// little. 24, two hours (NAB's learning period is longer, so its figures do not depend on it).
        public var warmUp = 24

        public init() {}
    }

    public let features: [String]
    public let configuration: Configuration
    /// The most services tracked at once.
    public let capacity: Int
    private let services = Mutex<[String: ServiceState]>([:])

    public init(features: [String], configuration: Configuration = Configuration(), capacity: Int = 10_000) {
        precondition(
            configuration.history >= 1 && configuration.smoothing >= 1 && configuration.hold >= 0 && configuration.warmUp >= 1
                && capacity >= 1, "positive sizes")
        self.features = features
        self.configuration = configuration
        self.capacity = capacity
    }

    public var threshold: Double { configuration.threshold }

    /// Scores `values` (`nil` for a feature the event did not carry) at event time `timestamp`
    /// against `service`'s history, then adds them to it.
    public func score(service: String, values: [Double?], timestamp: Double) -> Score {
        precondition(values.count == features.count, "one value per feature")
        let (excesses, flagged, judged) = services.withLock { services in
            if services[service] == nil {
                services.makeRoom(capacity: capacity, time: \.lastTime)
                services[service] = ServiceState(features: features.count, configuration: configuration)
            }
            // Mutated in place: a copy would copy every channel's history.
            return services[service]!.observe(values, at: timestamp)
        }
        let largest = excesses.max() ?? 0
        let threshold = configuration.threshold
        let total = excesses.reduce(0, +)
        let shares = excesses.map { total > 0 ? $0 / total : 0 }
        if flagged, largest <= threshold {
            // Held after an excess: flagged, at the threshold's score.
            return Score(
                anomalyScore: 0.5, isAnomaly: true, confidence: 0.5, reconstructionError: largest, threshold: threshold, featureScores: shares)
        }
        // Nothing judged yet (every carried feature still warming up): normal, but not knowingly.
        let confidence = flagged || judged ? 0.5 + 0.5 * min(1, abs(largest - threshold) / threshold) : 0.5
        return Score(
            anomalyScore: min(1, largest / (2 * threshold)), isAnomaly: flagged, confidence: confidence, reconstructionError: largest,
            threshold: threshold, featureScores: shares)
    }

    /// Flags for a whole series of one feature, one point per time step: what
    /// ``score(service:values:timestamp:)`` would say point by point (for benchmarks).
    public static func flags(_ series: [Double], configuration: Configuration = Configuration()) -> [Bool] {
        var state = ServiceState(features: 1, configuration: configuration)
        return series.enumerated().map { step, value in state.observe([value], at: Double(step)).flagged }
    }

    /// Drops the history of `services`.
    public func forget(_ services: some Sequence<String>) {
        self.services.withLock { states in
            for service in services { states[service] = nil }
        }
    }

    struct ServiceState {
        var streams: [FeatureStream]
        let threshold: Double
        let hold: Int
        /// Time steps since the last excess; `nil` before the first.
        var sinceExcess: Int?
        /// The newest event time seen.
        var lastTime = -Double.infinity

        init(features: Int, configuration: Configuration) {
            streams = Array(repeating: FeatureStream(configuration), count: features)
            threshold = configuration.threshold
            hold = configuration.hold
        }

        /// Takes the event's values (`nil`: not carried) and returns each feature's excess,
        /// whether the service is flagged, and whether any carried feature was judged (past its
        /// warm-up).
        mutating func observe(_ values: [Double?], at time: Double) -> (excesses: [Double], flagged: Bool, judged: Bool) {
            let judged = values.indices.contains { values[$0] != nil && streams[$0].isWarm }
            let excesses = values.indices.map { index in values[index].map { streams[index].observe($0) } ?? 0 }
            if time > lastTime {
                if let since = sinceExcess { sinceExcess = since + 1 }
                lastTime = time
            }
            if excesses.contains(where: { $0 > threshold }) { sinceExcess = 0 }
            return (excesses, sinceExcess.map { $0 <= hold } ?? false, judged)
        }
    }
}

/// One feature's three channels and their histories.
struct FeatureStream {
    /// The latest values and absolute changes (at most `smoothing` of each), for the means.
    private var recentValues: ChannelHistory
    private var recentChanges: ChannelHistory
    private var previous: Double?
    /// Each channel's previous values: value, level, activity.
    private var channels: [ChannelHistory]
    private let warmUp: Int

    init(_ configuration: RangeExcessDetector.Configuration) {
        recentValues = ChannelHistory(capacity: configuration.smoothing)
        recentChanges = ChannelHistory(capacity: configuration.smoothing)
        channels = Array(repeating: ChannelHistory(capacity: configuration.history), count: 3)
        warmUp = min(configuration.warmUp, configuration.history)
    }

    /// Whether the next value is judged: the value channel holds its warm-up.
    var isWarm: Bool { channels[0].count >= warmUp }

    /// Takes the next value and returns its largest channel excess.
    mutating func observe(_ value: Double) -> Double {
        recentValues.append(value)
        // The first point has no change; it counts as none, as in the mean over the window.
        recentChanges.append(previous.map { abs(value - $0) } ?? 0)
        previous = value
        let level = recentValues.mean
        let activity = recentChanges.mean
        return max(judge(channel: 0, value), judge(channel: 1, level), judge(channel: 2, activity))
    }

    /// The excess of `current` on `channel` (0 during the warm-up), which then joins its history.
    private mutating func judge(channel: Int, _ current: Double) -> Double {
        // Only the value itself is judged after a flat history: means and changes go flat on any
        // strictly regular pattern (10, 12, 10, 12 has a constant 2-point mean), and a flatlined
        // value already shows in the value channel.
        let excess = channels[channel].count >= warmUp ? channels[channel].excess(of: current, judgingFlat: channel == 0) : 0
        channels[channel].append(current)
        return excess
    }
}

/// The last `capacity` values of a channel, oldest overwritten first.
struct ChannelHistory {
    private var values: [Double] = []
    private var next = 0
    let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
        values.reserveCapacity(capacity)
    }

    var count: Int { values.count }

    mutating func append(_ value: Double) {
        if values.count < capacity {
            values.append(value)
        } else {
            values[next] = value
            next = (next + 1) % capacity
        }
    }

    /// The mean, summed afresh each time: a running sum's rounding would leave flat stretches
    /// not quite flat.
    var mean: Double {
        values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count)
    }

    /// The range a history that never moved is judged by, relative to its value (at least 1):
    /// any visible change of a flatlined metric (an error count leaving 0) is far beyond it.
    static let flatRange = 1e-6

    /// How far `value` lies beyond the held values' range, in units of that range; 0 inside it or
    /// without history. A history that never moved is judged against ``flatRange`` when
    /// `judgingFlat`, else not at all.
    func excess(of value: Double, judgingFlat: Bool) -> Double {
        guard var low = values.first else { return 0 }
        var high = low
        for held in values {
            low = min(low, held)
            high = max(high, held)
        }
        guard high > low || judgingFlat else { return 0 }
        let range = high > low ? high - low : Self.flatRange * max(1, abs(high))
        return max(0, max(value - high, low - value) / range)
    }
}

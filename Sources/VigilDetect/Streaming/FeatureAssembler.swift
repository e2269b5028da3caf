import Synchronization

/// Keeps each service's latest value of every feature, so that single-metric events build up a
/// full feature vector, as the seed's ML service should have done instead of inventing the
/// other features from one value.
///
/// A feature not seen yet for a service, or last seen more than ``staleness`` before the
/// service's newest event, is imputed with its default (the training mean) and reported as
/// missing.
///
/// For a model with a ``TemporalWindow``, it also keeps each service's last vectors: one per
/// distinct event time (the events of one timestamp fill one vector), so the window spans time
/// steps, not messages; with a baseline, each service's ``Baseline``, which starts at the
/// service's first values (an imputed value deviates by 0 from it and does not join it: a
/// feature that stops arriving is reported missing, not judged as a jump to the training mean);
/// and, with a season, each service's last season of vectors (``SeasonalReference``).
/// Thread-safe.
public final class FeatureAssembler: Sendable {
    /// A service's vector, ready to score.
    public struct Assembled: Sendable, Equatable {
        /// One value per feature, missing ones imputed.
        public var values: [Double]
        /// Features imputed because they were never seen or are stale.
        public var missing: [String]
        /// The model's stacked window: ``values``, then the service's vectors of the
        /// `length − 1` time steps before, newest first (the oldest standing in for steps not
        /// seen yet), each relative to the service's baseline when the window has one; then,
        /// with a season, each feature's change from the seasons before (NaN in the service's
        /// first three seasons). Just ``values`` without a window.
        public var window: [Double]
        /// Whether the service is too new for the model's window: fewer earlier time steps than
        /// the window reads (the oldest stands in for the rest), or, with a baseline, none at all
        /// (the baseline starts at this vector). A level the service started at is then taken as
        /// its normal.
        public var warmingUp: Bool

        public init(values: [Double], missing: [String], window: [Double]? = nil, warmingUp: Bool = false) {
            self.values = values
            self.missing = missing
            self.window = window ?? values
            self.warmingUp = warmingUp
        }
    }

    public let features: [String]
    /// Values used for missing features (the training means).
    public let defaults: [Double]
    /// How old (in milliseconds, event time) a value may be before it counts as missing.
    public let staleness: Double
    /// The most services tracked at once; a new one beyond it makes the least recently updated
    /// tenth be forgotten.
    public let capacity: Int
    /// The model's window: how many time steps each ``Assembled/window`` spans, and its baseline.
    public let window: TemporalWindow
    private let positions: [String: Int]
    /// Each service's state (internal for ``snapshot()`` and ``restore(from:)``).
    let state = Mutex<[String: ServiceState]>([:])

    struct ServiceState {
        var values: [Double]
        var seenAt: [Double]
        var newest: Double
        /// The vectors of earlier time steps (relative to the baseline), newest first, at most
        /// `length − 1`.
        var history: [[Double]] = []
        /// The baseline of the time steps before the current one.
        var baseline: Baseline?
        /// The vectors of the last three seasons before the current time step.
        var season: SeasonalReference?

        /// Takes `value` for the feature at `position` unless a newer reading is already held;
        /// whether it took it.
        mutating func observe(_ value: Double, at position: Int, time: Double) -> Bool {
            guard time >= seenAt[position] else { return false }
            values[position] = value
            seenAt[position] = time
            return true
        }
    }

    public init(
        features: [String], defaults: [Double], staleness: Double = 5 * 60 * 1000, capacity: Int = 100_000,
        window: TemporalWindow = .none
    ) {
        precondition(features.count == defaults.count, "one default per feature")
        precondition(window.problem == nil, "a usable window")
        self.window = window
        self.features = features
        self.defaults = defaults
        self.staleness = staleness
        self.capacity = capacity
        self.positions = Dictionary(uniqueKeysWithValues: features.enumerated().map { ($1, $0) })
    }

    /// A new assembler that takes over `previous`'s per-service state when it assembles the same
    /// features with the same window (a reloaded or retrained model): the values, windows,
    /// baselines and seasons are raw or relative to the service's own past, so they stay valid;
    /// only the defaults (imputation) become this model's.
    public convenience init(
        features: [String], defaults: [Double], staleness: Double = 5 * 60 * 1000, capacity: Int = 100_000,
        window: TemporalWindow = .none, carryingStateOf previous: FeatureAssembler?
    ) {
        self.init(features: features, defaults: defaults, staleness: staleness, capacity: capacity, window: window)
        if let previous, previous.features == features, previous.window == window {
            let services = previous.state.withLock { $0 }
            state.withLock { $0 = services }
        }
    }

    /// Records `event` (its metric and any feature-named tags) and returns the service's vector.
    public func update(with event: MetricEvent) -> Assembled {
        state.withLock { services in record(event, in: &services) }
    }

    /// Records `events` in order and returns each one's service vector as of that event: the same
    /// as calling ``update(with:)`` for each, under one lock.
    public func update(with events: [MetricEvent]) -> [Assembled] {
        state.withLock { services in events.map { record($0, in: &services) } }
    }

    private func record(_ event: MetricEvent, in services: inout [String: ServiceState]) -> Assembled {
        // Taken out of the dictionary while it changes, so that its arrays (a season's ring can hold
        // hundreds of kilobytes) are not shared with the dictionary's copy and copied on write.
        let stored = services.removeValue(forKey: event.service)
        var service =
            stored
            ?? ServiceState(
                values: defaults, seenAt: [Double](repeating: -.infinity, count: features.count), newest: -.infinity,
                baseline: window.baselineHalfLife.map { Baseline(features: features.count, halfLife: $0) },
                season: window.seasonLength.map { SeasonalReference(length: $0, features: features.count) })
        if window.isTemporal, service.newest > -.infinity, event.timestamp > service.newest {
            // A new time step: the vector of the one before joins the history (and the baseline,
            // and the season).
            let (values, missing) = imputed(service)
            let seen = service.baseline == nil && service.season == nil ? values : asTrained(values, missing: missing)
            var finished = values
            _ = service.season?.changes(joining: seen)
            // Steps that never came (event times are in milliseconds) leave gaps in the season.
            service.season?.skip(window.missedSteps(from: service.newest / 1000, to: event.timestamp / 1000))
            if service.baseline != nil { finished = service.baseline!.deviation(of: seen) }
            service.history.insert(finished, at: 0)
            if service.history.count >= window.length { service.history.removeLast() }
        }
        // Values older than the service's newest reading of their feature are not kept.
        var late: [(position: Int, value: Double)] = []
        if let position = positions[event.metric], !service.observe(event.value, at: position, time: event.timestamp) {
            late.append((position, event.value))
        }
        for (name, value) in event.tags where name != event.metric {
            if let position = positions[name], !service.observe(value, at: position, time: event.timestamp) { late.append((position, value)) }
        }
        service.newest = max(service.newest, event.timestamp)
        if stored == nil { services.makeRoom(capacity: capacity, time: \.newest) }
        services[event.service] = service
        guard !late.isEmpty else { return assemble(service) }
        // A late event is judged by its own values in the service's current vector: scoring the
        // vector without them would judge the newer readings again under the late event's name.
        for (position, value) in late {
            service.values[position] = value
            service.seenAt[position] = event.timestamp
        }
        return assemble(service)
    }

    /// The service's current vector with missing features imputed, and their positions.
    private func imputed(_ service: ServiceState) -> (values: [Double], missing: [Int]) {
        var values = service.values
        var missing: [Int] = []
        for index in features.indices where service.seenAt[index] < service.newest - staleness || service.seenAt[index] == -.infinity {
            values[index] = defaults[index]
            missing.append(index)
        }
        return (values, missing)
    }

    /// `values` as a series sees them in training and `vigil score`: rounded through `Float`,
    /// and unknown (NaN) where imputed, since an imputed value says nothing about the service's
    /// level or day (the baseline and the season leave it out).
    private func asTrained(_ values: [Double], missing: [Int]) -> [Double] {
        var seen = values.map { Double(Float($0)) }
        for index in missing { seen[index] = .nan }
        return seen
    }

    private func assemble(_ service: ServiceState) -> Assembled {
        let (values, missingPositions) = imputed(service)
        let missing = missingPositions.map { features[$0] }
        guard window.isTemporal else { return Assembled(values: values, missing: missing) }
        let seen = service.baseline == nil && service.season == nil ? values : asTrained(values, missing: missingPositions)
        let current = service.baseline?.deviation(peeking: seen) ?? values
        var stacked = current
        stacked.reserveCapacity(values.count * window.length)
        for step in 1..<window.length {
            stacked.append(contentsOf: step <= service.history.count ? service.history[step - 1] : service.history.last ?? current)
        }
        if let season = service.season {
            stacked += season.changes(peeking: seen) ?? [Double](repeating: .nan, count: values.count)
        }
        let warmingUp = service.history.count < window.length - 1 || service.baseline?.hasNoPast == true
        return Assembled(values: values, missing: missing, window: stacked, warmingUp: warmingUp)
    }

    /// Drops the state of `services` (their partitions moved to another instance).
    public func forget(_ services: some Sequence<String>) {
        state.withLock { states in
            for service in services { states[service] = nil }
        }
    }

    /// How many services are tracked.
    public var serviceCount: Int { state.withLock { $0.count } }
}

/// Decides when an anomalous prediction opens an alert, to keep alerts few and meaningful.
///
/// - Cooldown: a service's alert stays open while its anomalies come at most ``cooldown``
///   milliseconds apart (event time), and they are counted on it; a new alert opens only after
///   the service has gone longer than the cooldown without an anomaly. An incident that lasts an hour is one
///   alert, however often its metrics are scraped. An anomaly stamped a little before the
///   alert's first (a late event, a host whose clock lags) counts on it too.
/// - Persistence: optionally, a new alert opens only when `k` of the service's last `n` points
///   were anomalous; it then describes the worst of them, is timed at the first and counts them
///   all. While an alert is open, every anomaly counts on it.
/// - Escalation: an anomaly more severe than any before it in the open alert's incident
///   escalates the alert (it is published again), so that an incident that opened as medium and
///   turns critical reaches whoever acts on critical alerts.
///
/// At most ``capacity`` services are tracked (the least recently active tenth is forgotten
/// when full, as the feature assembler does). A value-type state machine:
/// ``observe(service:anomaly:timestamp:)`` returns the action and the caller performs it
/// (writes the store) outside any lock.
public struct AlertPolicy: Sendable {
    public enum Action: Sendable, Equatable {
        /// Nothing to record.
        case none
        /// Open this alert (the caller gives it an id): the anomaly's, or with persistence the
        /// worst of the anomalies that made it persistent, timed at their first, counting them
        /// all, last seen at their latest.
        case open(Alert)
        /// Count a repeat on the open alert with this id.
        case `repeat`(alertID: String)
        /// Count a repeat on the open alert with this id, and raise its severity (it was
        /// `previous`) to the anomaly's: the alert is published again.
        case escalate(alertID: String, previous: Severity)
    }

    public var cooldown: Double
    /// `(k, n)`: open only when k of the last n points were anomalous; `nil` opens on any anomaly.
    public var persistence: (k: Int, n: Int)?
    /// The most services tracked at once.
    public let capacity: Int

    private struct OpenAlert {
        var id: String
        var openedAt: Double
        var lastSeen: Double
        /// The highest severity of the incident so far.
        var severity: Severity
    }

    private var openAlerts: [String: OpenAlert] = [:]
    /// Each service's last `n` points under persistence: their times, and the alert each would
    /// open when anomalous.
    private var recent: [String: (points: [(alert: Alert?, timestamp: Double)], latest: Double)] = [:]

    public init(cooldown: Double = 900_000, persistence: (k: Int, n: Int)? = nil, capacity: Int = 100_000) {
        self.cooldown = cooldown
        self.persistence = persistence
        self.capacity = capacity
    }

    /// What to do with a point of `service` at `timestamp` (milliseconds): `anomaly` is its
    /// severity when it is anomalous, `nil` when it is normal; `describe` makes the alert it would
    /// open, called only when one is needed (an opening, or a point kept for persistence).
    public mutating func observe(service: String, anomaly severity: Severity?, timestamp: Double, describe: () -> Alert) -> Action {
        if let persistence {
            var window = recent[service] ?? ([], timestamp)
            window.points.append((severity.map { _ in describe() }, timestamp))
            if window.points.count > persistence.n { window.points.removeFirst(window.points.count - persistence.n) }
            window.latest = max(window.latest, timestamp)
            if recent[service] == nil { recent.makeRoom(capacity: capacity) { $0.latest } }
            recent[service] = window
        }
        guard let severity else { return .none }
        if let open = openAlerts[service], timestamp > open.openedAt - cooldown, timestamp <= open.lastSeen + cooldown {
            openAlerts[service]!.lastSeen = max(open.lastSeen, timestamp)
            guard severity > open.severity else { return .repeat(alertID: open.id) }
            openAlerts[service]!.severity = severity
            return .escalate(alertID: open.id, previous: open.severity)
        }
        guard let persistence else { return .open(describe()) }
        // Anomalies an earlier alert counted are its own, not the start of a new incident.
        let countedBefore = openAlerts[service]?.lastSeen ?? -.infinity
        let anomalies = recent[service]!.points.compactMap { point in point.timestamp > countedBefore ? point.alert : nil }
        return Self.persistent(anomalies, k: persistence.k).map { .open($0) } ?? .none
    }

    /// The alert `anomalies` open when at least `k`: the worst (the most severe, then the highest
    /// score, then the first), timed at the first, counting them all, last seen at the latest.
    private static func persistent(_ anomalies: [Alert], k: Int) -> Alert? {
        guard anomalies.count >= k, var alert = anomalies.first else { return nil }
        for candidate in anomalies.dropFirst()
        where (candidate.severity, candidate.metadata.anomalyScore) > (alert.severity, alert.metadata.anomalyScore) {
            alert = candidate
        }
        alert.timestamp = anomalies.map(\.timestamp).min()!
        alert.lastSeen = anomalies.map(\.lastSeen).max()!
        alert.count = anomalies.count
        return alert
    }

    /// Records that the alert `id` was opened for `service` at `timestamp` with `severity`, and
    /// last seen at `lastSeen` (its opening time by default). An alert seen at a later time (this
    /// one came from an event long before it) stays the one tracked.
    public mutating func opened(_ id: String, service: String, at timestamp: Double, lastSeen: Double? = nil, severity: Severity) {
        if let open = openAlerts[service], open.lastSeen > timestamp { return }
        if openAlerts[service] == nil { openAlerts.makeRoom(capacity: capacity) { $0.lastSeen } }
        openAlerts[service] = OpenAlert(id: id, openedAt: timestamp, lastSeen: max(lastSeen ?? timestamp, timestamp), severity: severity)
    }

    /// Takes up the alert `id`, stored before a restart, as `service`'s open alert: its incident
    /// goes on when the service's next anomaly comes within the cooldown of `lastSeen`.
    public mutating func resume(_ id: String, service: String, openedAt: Double, lastSeen: Double, severity: Severity) {
        opened(id, service: service, at: openedAt, lastSeen: lastSeen, severity: severity)
    }

    /// Takes back the alert `id` opened for `service` when it could not be stored, so that it
    /// does not hold back the service's next alert through its cooldown (a later one is kept).
    public mutating func withdraw(_ id: String, service: String) {
        if openAlerts[service]?.id == id { openAlerts[service] = nil }
    }

    /// The latest sighting of `service`'s open alert, in milliseconds (`nil` without one).
    public func lastSeen(of service: String) -> Double? { openAlerts[service]?.lastSeen }

    /// Takes back the sightings of the alert `id` that could not be stored: its latest sighting
    /// goes back to `lastSeen`, so that the cooldown runs from what the store holds.
    public mutating func withdrawSightings(of id: String, service: String, to lastSeen: Double) {
        if openAlerts[service]?.id == id { openAlerts[service]!.lastSeen = lastSeen }
    }

    /// Takes back an escalation of the alert `id` from `previous` to `severity` that could not be
    /// stored, so that the incident's next anomaly of that severity escalates it again (a later
    /// escalation beyond it is kept).
    public mutating func withdrawEscalation(of id: String, service: String, to severity: Severity, from previous: Severity) {
        if openAlerts[service]?.id == id, openAlerts[service]!.severity == severity { openAlerts[service]!.severity = previous }
    }

    /// Takes back the points observed under persistence for `points` (each service's event
    /// times), when the batch they came in could not be stored and will be observed again. A
    /// point another batch added meanwhile stays. Points a full window had dropped for them are
    /// not brought back: the window is shorter until new points fill it.
    public mutating func withdrawPoints(_ points: [(service: String, timestamp: Double)]) {
        guard persistence != nil else { return }
        for (service, timestamp) in points {
            guard let index = recent[service]?.points.lastIndex(where: { $0.timestamp == timestamp }) else { continue }
            recent[service]!.points.remove(at: index)
        }
    }

    /// Forgets `services` (their partitions moved to another instance).
    public mutating func forget(_ services: some Sequence<String>) {
        for service in services {
            openAlerts[service] = nil
            recent[service] = nil
        }
    }
}

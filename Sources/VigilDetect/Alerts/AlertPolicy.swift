/// Decides when an anomalous prediction opens an alert, to keep alerts few and meaningful.
///
/// - Cooldown: a service's alert stays open while its anomalies come less than ``cooldown``
///   milliseconds apart (event time), and they are counted on it; a new alert opens only after
///   the service has had no anomaly for the cooldown. An incident that lasts an hour is one
///   alert, however often its metrics are scraped.
/// - Persistence: optionally, fire only when `k` of the service's last `n` points were anomalous.
///
/// A value-type state machine: ``observe(service:isAnomaly:timestamp:)`` returns the action and
/// the caller performs it (writes the store) outside any lock.
public struct AlertPolicy: Sendable {
    public enum Action: Sendable, Equatable {
        /// Nothing to record.
        case none
        /// Open a new alert.
        case open
        /// Count a repeat on the open alert with this id.
        case `repeat`(alertID: String)
    }

    public var cooldown: Double
    /// `(k, n)`: fire only when k of the last n points were anomalous; `nil` fires on every anomaly.
    public var persistence: (k: Int, n: Int)?

    private var openAlerts: [String: (id: String, openedAt: Double, lastSeen: Double)] = [:]
    private var recent: [String: [Bool]] = [:]

    public init(cooldown: Double = 300_000, persistence: (k: Int, n: Int)? = nil) {
        self.cooldown = cooldown
        self.persistence = persistence
    }

    public mutating func observe(service: String, isAnomaly: Bool, timestamp: Double) -> Action {
        if let persistence {
            var window = recent[service] ?? []
            window.append(isAnomaly)
            if window.count > persistence.n { window.removeFirst(window.count - persistence.n) }
            recent[service] = window
            guard isAnomaly, window.filter({ $0 }).count >= persistence.k else { return .none }
        } else {
            guard isAnomaly else { return .none }
        }
        if let open = openAlerts[service], timestamp - open.lastSeen < cooldown, timestamp >= open.openedAt {
            openAlerts[service]!.lastSeen = max(open.lastSeen, timestamp)
            return .repeat(alertID: open.id)
        }
        return .open
    }

    /// Records that the alert `id` was opened for `service` at `timestamp`.
    public mutating func opened(_ id: String, service: String, at timestamp: Double) {
        openAlerts[service] = (id, timestamp, timestamp)
    }

    /// Takes back the alert `id` opened for `service` when it could not be stored, so that it
    /// does not hold back the service's next alert through its cooldown (a later one is kept).
    public mutating func withdraw(_ id: String, service: String) {
        if openAlerts[service]?.id == id { openAlerts[service] = nil }
    }
}

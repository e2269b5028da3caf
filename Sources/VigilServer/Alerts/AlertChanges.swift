public import VigilDetect

/// What the alert policy decided for a batch of events: the alerts to open, the repeats to count
/// on open ones and the escalations to apply, and the alert each event counted on.
public struct AlertChanges: Sendable {
    /// An open alert rewritten by a more severe anomaly of its incident.
    public struct Escalation: Sendable {
        /// The alert as the more severe anomaly describes it (its opening time, count and last
        /// sighting come from the store).
        public var alert: Alert
        /// The severity it had before.
        public var previous: Severity

        public init(alert: Alert, previous: Severity) {
            self.alert = alert
            self.previous = previous
        }
    }

    public var opened: [Alert] = []
    public var repeats: [AlertRepeat] = []
    public var escalations: [Escalation] = []
    /// The alert each event counted on, by the event's index in the batch.
    public var alertIDs: [Int: String] = [:]
    /// Each repeated alert's service and latest sighting before the batch, by alert id: what the
    /// policy goes back to when the batch cannot be stored.
    public var sightingsBefore: [String: (service: String, lastSeen: Double)] = [:]

    public init(opened: [Alert] = [], repeats: [AlertRepeat] = [], escalations: [Escalation] = []) {
        self.opened = opened
        self.repeats = repeats
        self.escalations = escalations
    }

    /// Counts `event` (the batch's `index`-th) on the open alert `id`, whose latest sighting
    /// before it was `lastSeenBefore` (kept from the batch's first repeat, for an undo).
    public mutating func countRepeat(of id: String, event: MetricEvent, index: Int, lastSeenBefore: Double?) {
        repeats.append(AlertRepeat(alertID: id, timestamp: event.timestamp))
        alertIDs[index] = id
        if sightingsBefore[id] == nil, let lastSeenBefore { sightingsBefore[id] = (event.service, lastSeenBefore) }
    }

    /// Whether there is nothing to store.
    public var isEmpty: Bool { opened.isEmpty && repeats.isEmpty && escalations.isEmpty }
}

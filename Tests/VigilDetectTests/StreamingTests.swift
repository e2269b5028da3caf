import Testing
import VigilDetect

@Suite struct FeatureAssemblerTests {
    let assembler = FeatureAssembler(features: ["cpu", "mem"], defaults: [50, 60], staleness: 1000)

    @Test func singleMetricsBuildUpTheVectorAndMissingOnesAreImputed() {
        let first = assembler.update(with: MetricEvent(timestamp: 0, service: "a", metric: "cpu", value: 90))
        #expect(first == .init(values: [90, 60], missing: ["mem"]))
        let second = assembler.update(with: MetricEvent(timestamp: 10, service: "a", metric: "mem", value: 70))
        #expect(second == .init(values: [90, 70], missing: []))
        let other = assembler.update(with: MetricEvent(timestamp: 10, service: "b", metric: "other", value: 1, tags: ["mem": 5]))
        #expect(other == .init(values: [50, 5], missing: ["cpu"]))
    }

    @Test func staleValuesCountAsMissingAndOldEventsDoNotOverwriteNewer() {
        _ = assembler.update(with: MetricEvent(timestamp: 0, service: "a", metric: "cpu", value: 90))
        let later = assembler.update(with: MetricEvent(timestamp: 5000, service: "a", metric: "mem", value: 70))
        #expect(later == .init(values: [50, 70], missing: ["cpu"]))
        // A late event is judged by its own value in the current vector, which keeps the newer one.
        let late = assembler.update(with: MetricEvent(timestamp: 4900, service: "a", metric: "mem", value: 10))
        #expect(late == .init(values: [50, 10], missing: ["cpu"]))
        let next = assembler.update(with: MetricEvent(timestamp: 5100, service: "a", metric: "cpu", value: 80))
        #expect(next == .init(values: [80, 70], missing: []))
        // One older than the staleness window before the newest event counts as missing.
        let older = assembler.update(with: MetricEvent(timestamp: 3000, service: "a", metric: "mem", value: 10))
        #expect(older == .init(values: [80, 60], missing: ["mem"]))
    }

    @Test func aBatchUpdateMatchesOneUpdatePerEvent() {
        let events = [
            MetricEvent(timestamp: 0, service: "a", metric: "cpu", value: 90),
            MetricEvent(timestamp: 5, service: "b", metric: "mem", value: 30),
            MetricEvent(timestamp: 10, service: "a", metric: "mem", value: 70),
            MetricEvent(timestamp: 8, service: "a", metric: "mem", value: 10),
            MetricEvent(timestamp: 2000, service: "a", metric: "other", value: 1, tags: ["cpu": 40]),
        ]
        let batched = FeatureAssembler(features: ["cpu", "mem"], defaults: [50, 60], staleness: 1000).update(with: events)
        #expect(batched == events.map { assembler.update(with: $0) })
        #expect(batched[3] == .init(values: [90, 10], missing: []))
    }

    @Test func capacityForgetsTheLeastRecentlyUpdatedService() {
        let small = FeatureAssembler(features: ["cpu"], defaults: [0], capacity: 2)
        for (index, service) in ["a", "b", "c"].enumerated() {
            _ = small.update(with: MetricEvent(timestamp: Double(index), service: service, metric: "cpu", value: 1))
        }
        #expect(small.serviceCount == 2)
        // A full assembler makes room a tenth at a time: the stalest by event time go first.
        let full = FeatureAssembler(features: ["cpu"], defaults: [0], capacity: 20)
        for index in (0..<20).reversed() {
            _ = full.update(with: MetricEvent(timestamp: Double(index), service: "s\(index)", metric: "cpu", value: 1))
        }
        _ = full.update(with: MetricEvent(timestamp: 100, service: "new", metric: "cpu", value: 1))
        #expect(full.serviceCount == 19)
        // s2 was kept (it comes back without a new entry); s1 was forgotten (its cpu is unknown again).
        _ = full.update(with: MetricEvent(timestamp: 101, service: "s2", metric: "cpu", value: 5))
        #expect(full.serviceCount == 19)
        #expect(full.update(with: MetricEvent(timestamp: 102, service: "s1", metric: "mem", value: 5)).missing == ["cpu"])
    }
}

@Suite struct AlertPolicyTests {
    /// Anomalies less than the cooldown apart are one incident, one alert, however long it lasts;
    /// a quiet cooldown ends it.
    @Test func aServicesAnomaliesLessThanTheCooldownApartCountOnOneAlert() {
        var policy = AlertPolicy(cooldown: 60_000)
        #expect(policy.observe(service: "a", severity: nil, timestamp: 0) == .none)
        #expect(policy.observe(service: "a", severity: .medium, timestamp: 1000) == .open(severity: .medium))
        policy.opened("x", service: "a", at: 1000, severity: .medium)
        #expect(policy.observe(service: "a", severity: .medium, timestamp: 30_000) == .repeat(alertID: "x"))
        #expect(policy.observe(service: "b", severity: .medium, timestamp: 30_000) == .open(severity: .medium))
        // Every 50 s for ten minutes: still the same incident.
        for second in stride(from: 80, through: 630, by: 50) {
            #expect(policy.observe(service: "a", severity: .medium, timestamp: Double(second) * 1000) == .repeat(alertID: "x"))
        }
        // Normal points do not end it; a minute without an anomaly does.
        #expect(policy.observe(service: "a", severity: nil, timestamp: 650_000) == .none)
        #expect(policy.observe(service: "a", severity: .medium, timestamp: 689_999) == .repeat(alertID: "x"))
        #expect(policy.observe(service: "a", severity: .medium, timestamp: 751_000) == .open(severity: .medium))
    }

    /// A metric scraped every cooldown: its anomalies, exactly the cooldown apart, are one
    /// incident (a 5-minute scrape with a 5-minute cooldown used to open an alert per point).
    @Test func anomaliesExactlyTheCooldownApartAreOneIncident() {
        var policy = AlertPolicy(cooldown: 300_000)
        #expect(policy.observe(service: "a", severity: .medium, timestamp: 0) == .open(severity: .medium))
        policy.opened("x", service: "a", at: 0, severity: .medium)
        for step in 1...3 {
            #expect(policy.observe(service: "a", severity: .medium, timestamp: Double(step) * 300_000) == .repeat(alertID: "x"))
        }
        #expect(policy.observe(service: "a", severity: .medium, timestamp: 1_200_001) == .open(severity: .medium))
    }

    /// A late event (a host whose clock lags, a retried message) belongs to the incident it falls
    /// in, and one long before it is an alert of its own that does not take over.
    @Test func lateAnomaliesCountOnTheIncidentTheyBelongTo() {
        var policy = AlertPolicy(cooldown: 60_000)
        #expect(policy.observe(service: "a", severity: .medium, timestamp: 100_000) == .open(severity: .medium))
        policy.opened("x", service: "a", at: 100_000, severity: .medium)
        #expect(policy.observe(service: "a", severity: .medium, timestamp: 98_000) == .repeat(alertID: "x"))
        #expect(policy.observe(service: "a", severity: .medium, timestamp: 150_000) == .repeat(alertID: "x"))
        #expect(policy.observe(service: "a", severity: .medium, timestamp: 10_000) == .open(severity: .medium))
        policy.opened("old", service: "a", at: 10_000, severity: .medium)
        #expect(policy.observe(service: "a", severity: .medium, timestamp: 200_000) == .repeat(alertID: "x"))
    }

    /// Persistence decides when an alert opens; once open, every anomaly of the incident counts
    /// on it, however sparse.
    @Test func anOpenAlertTakesEveryAnomalyWhateverThePersistence() {
        var policy = AlertPolicy(cooldown: 300_000, persistence: (k: 3, n: 5))
        for minute in 0..<3 { _ = policy.observe(service: "a", severity: .medium, timestamp: Double(minute) * 60_000) }
        policy.opened("x", service: "a", at: 120_000, severity: .medium)
        // Then one anomaly every three minutes: never 3 of 5, never 5 minutes apart.
        for minute in stride(from: 3, to: 30, by: 1) {
            let action = policy.observe(service: "a", severity: minute % 3 == 2 ? .medium : nil, timestamp: Double(minute) * 60_000)
            #expect(action == (minute % 3 == 2 ? .repeat(alertID: "x") : .none), "minute \(minute)")
        }
    }

    /// An incident that grows more severe escalates its alert once for each new height; as
    /// severe or less is a repeat, and the next incident starts from its own first severity.
    @Test func aMoreSevereAnomalyEscalatesTheOpenAlert() {
        var policy = AlertPolicy(cooldown: 60_000)
        func observe(_ severity: Severity, at seconds: Double) -> AlertPolicy.Decision {
            policy.observe(service: "a", severity: severity, timestamp: seconds * 1000)
        }
        #expect(observe(.medium, at: 0) == .open(severity: .medium))
        policy.opened("x", service: "a", at: 0, severity: .medium)
        #expect(observe(.medium, at: 10) == .repeat(alertID: "x"))
        #expect(observe(.high, at: 20) == .escalate(alertID: "x", previous: .medium))
        #expect(observe(.high, at: 30) == .repeat(alertID: "x"))
        #expect(observe(.medium, at: 40) == .repeat(alertID: "x"))
        #expect(observe(.critical, at: 50) == .escalate(alertID: "x", previous: .high))
        #expect(observe(.critical, at: 60) == .repeat(alertID: "x"))
        // An escalation that could not be stored is taken back: the next critical escalates.
        policy.withdrawEscalation(of: "x", service: "a", to: .critical, from: .high)
        #expect(observe(.critical, at: 70) == .escalate(alertID: "x", previous: .high))
        #expect(observe(.high, at: 200) == .open(severity: .high))
        policy.opened("y", service: "a", at: 200_000, severity: .high)
        #expect(observe(.high, at: 210) == .repeat(alertID: "y"))
        #expect(observe(.critical, at: 220) == .escalate(alertID: "y", previous: .high))
    }

    @Test func kOfNNeedsPersistentAnomalies() {
        var policy = AlertPolicy(cooldown: 0, persistence: (k: 2, n: 3))
        #expect(policy.observe(service: "a", severity: .medium, timestamp: 0) == .none)
        #expect(policy.observe(service: "a", severity: nil, timestamp: 1) == .none)
        #expect(policy.observe(service: "a", severity: .medium, timestamp: 2) == .open(severity: .medium))
        #expect(policy.observe(service: "a", severity: nil, timestamp: 3) == .none)
        #expect(policy.observe(service: "a", severity: nil, timestamp: 4) == .none)
        #expect(policy.observe(service: "a", severity: .medium, timestamp: 5) == .none)
    }

    /// Under persistence the alert opens at the worst of the anomalies that made it persistent,
    /// not at the last one's, describes that anomaly, is timed at the first and counts them all.
    @Test func aPersistentIncidentOpensAtItsWorstAnomaly() {
        var policy = AlertPolicy(cooldown: 300_000, persistence: (k: 3, n: 5))
        let points: [(cpu: Double, confidence: Double)?] = [(500, 0.95), nil, (130, 0.3), (140, 0.4)]
        let actions = points.enumerated().map { minute, point in
            let time = Double(minute) * 60_000
            let alert = point.map { Self.anomaly(cpu: $0.cpu, confidence: $0.confidence, at: time) }
            return policy.observe(service: "a", anomaly: alert?.severity, timestamp: time) { alert! }
        }
        #expect(actions.dropLast().allSatisfy { $0 == .none })
        guard case .open(let alert) = actions.last else {
            Issue.record("no alert opened: \(actions)")
            return
        }
        #expect(alert.severity == .critical)
        #expect(alert.metadata.value == 500)
        #expect(alert.metadata.confidence == 0.95)
        #expect(alert.timestamp == 0)
        #expect(alert.lastSeen == 180_000)
        #expect(alert.count == 3)
        // Once opened, the incident's next anomaly counts on it.
        policy.opened("x", service: "a", at: alert.timestamp, lastSeen: alert.lastSeen, severity: alert.severity)
        #expect(policy.observe(service: "a", severity: .medium, timestamp: 240_000) == .repeat(alertID: "x"))
    }

    /// Anomalies an earlier alert counted do not count again towards the next one: an incident
    /// that ends and a new one starting within the k-of-n window are two alerts, not three.
    @Test func anomaliesAnEarlierAlertCountedDoNotOpenTheNext() {
        var policy = AlertPolicy(cooldown: 900_000, persistence: (k: 3, n: 6))
        func at(_ minute: Int, _ severity: Severity?) -> AlertPolicy.Action {
            let time = Double(minute) * 60_000
            return policy.observe(service: "a", anomaly: severity, timestamp: time) { Self.anomaly(cpu: 500, confidence: 0.95, at: time) }
        }
        for minute in [0, 5] { #expect(at(minute, .critical) == .none) }
        guard case .open(let first) = at(10, .critical) else {
            Issue.record("the first incident did not open")
            return
        }
        policy.opened("x", service: "a", at: first.timestamp, lastSeen: first.lastSeen, severity: first.severity)
        for minute in [15, 20, 25] { #expect(at(minute, nil) == .none) }
        // Minutes 5 and 10 are still in the window, but alert x counted them.
        #expect(at(30, .critical) == .none)
        #expect(at(35, .critical) == .none)
        guard case .open(let second) = at(40, .critical) else {
            Issue.record("the second incident did not open")
            return
        }
        #expect(second.timestamp == 30 * 60_000)
        #expect(second.count == 3)
    }

    /// The alert an anomalous CPU reading of service `a` would open.
    static func anomaly(cpu: Double, confidence: Double, at timestamp: Double) -> Alert {
        let score = Score(
            anomalyScore: confidence, isAnomaly: true, confidence: confidence, reconstructionError: 1, threshold: 0.5, featureScores: [1])
        return Alert(
            id: "", event: MetricEvent(timestamp: timestamp, service: "a", metric: "cpu", value: cpu), score: score, features: ["cpu"],
            modelType: "autoencoder")
    }

    @Test func severityFollowsTheSeedsConfidenceBands() {
        #expect(Severity(confidence: 0.95) == .critical)
        #expect(Severity(confidence: 0.8) == .high)
        #expect(Severity(confidence: 0.7) == .medium)
    }
}

extension AlertPolicy {
    /// What the policy decided, with an opened alert reduced to its severity.
    enum Decision: Equatable {
        case none
        case open(severity: Severity)
        case `repeat`(alertID: String)
        case escalate(alertID: String, previous: Severity)
    }

    /// Feeds the policy an anomaly of `severity` (an alert of that severity), or a normal point.
    mutating func observe(service: String, severity: Severity?, timestamp: Double) -> Decision {
        let describe = {
            var alert = AlertPolicyTests.anomaly(cpu: 100, confidence: 0.5, at: timestamp)
            alert.severity = severity ?? .medium
            return alert
        }
        switch observe(service: service, anomaly: severity, timestamp: timestamp, describe: describe) {
        case .none: return .none
        case .open(let alert): return .open(severity: alert.severity)
        case .repeat(let id): return .repeat(alertID: id)
        case .escalate(let id, let previous): return .escalate(alertID: id, previous: previous)
        }
    }
}

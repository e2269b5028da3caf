import Synchronization

/// What a client last learned about its brokers, for `/health`.
public enum BrokerState: Sendable, Equatable, CustomStringConvertible {
    /// Nothing learned yet.
    case connecting
    /// A broker answered (a delivery, a fetch, an assignment or a metadata request succeeded).
    case connected
    /// librdkafka reported every broker down, or deliveries failed for want of a broker.
    case failing(String)

    public var description: String {
        switch self {
        case .connecting: "connecting"
        case .connected: "connected"
        case .failing(let reason): "failing: \(reason)"
        }
    }
}

/// The state shared between a client, its C callbacks and its ``BrokerWatch``. Every change
/// counts, so that a probe's answer does not overwrite news that arrived while it waited; and
/// a failure learnt from traffic (deliveries timing out) is cleared only by traffic, since a
/// broker answering a metadata request does not mean messages get through.
final class BrokerStateBox: Sendable {
    private let current = Mutex((state: BrokerState.connecting, changes: 0, fromTraffic: false))

    var state: BrokerState { current.withLock { $0.state } }

    /// The state, and how many changes led to it.
    var versioned: (state: BrokerState, changes: Int) { current.withLock { ($0.state, $0.changes) } }

    /// Sets `new`; `fromTraffic` when a delivery (not a connection event) taught it.
    func set(_ new: BrokerState, fromTraffic: Bool = false) {
        current.withLock { $0 = (new, $0.changes + 1, fromTraffic) }
    }

    /// librdkafka reported every broker down. Its own reason ("2/2 brokers are down") counts
    /// the group coordinator's connection as a broker, which misleads with a single broker. The
    /// addresses are not in the text (it shows in `/health`, which needs no token); librdkafka's
    /// log lines name each one tried.
    func allBrokersDown() {
        set(.failing("no broker of bootstrap.servers answers (the log names each address tried)"))
    }

    /// A probe's answer: sets `new` unless the state changed after `changes` (see ``versioned``)
    /// or is a failure learnt from traffic.
    func set(_ new: BrokerState, ifUnchangedSince changes: Int) {
        current.withLock { if $0.changes == changes, !$0.fromTraffic { $0 = (new, changes + 1, false) } }
    }
}

import Synchronization

/// What a client last learned about its brokers, for `/health`.
public enum BrokerState: Sendable, Equatable, CustomStringConvertible {
    /// Nothing learned yet.
    case connecting
    /// A broker answered (a delivery, a fetch, an assignment or a metadata request succeeded).
    case connected
    /// librdkafka reported every broker down, or another client-wide error.
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
/// counts, so that a probe's answer does not overwrite news that arrived while it waited.
final class BrokerStateBox: Sendable {
    private let current = Mutex((state: BrokerState.connecting, changes: 0))

    var state: BrokerState { current.withLock { $0.state } }

    /// The state, and how many changes led to it.
    var versioned: (state: BrokerState, changes: Int) { current.withLock { $0 } }

    func set(_ new: BrokerState) {
        current.withLock { $0 = (new, $0.changes + 1) }
    }

    /// Sets `new` unless the state changed after `changes` (see ``versioned``).
    func set(_ new: BrokerState, ifUnchangedSince changes: Int) {
        current.withLock { if $0.changes == changes { $0 = (new, changes + 1) } }
    }
}

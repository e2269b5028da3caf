import Synchronization

/// What a client last learned about its brokers, for `/health`.
public enum BrokerState: Sendable, Equatable, CustomStringConvertible {
    /// Nothing learned yet.
    case connecting
    /// A broker answered (a delivery or a fetch succeeded).
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

/// The state shared between a client and its C callbacks.
final class BrokerStateBox: Sendable {
    let state = Mutex(BrokerState.connecting)

    func set(_ new: BrokerState) {
        state.withLock { $0 = new }
    }
}

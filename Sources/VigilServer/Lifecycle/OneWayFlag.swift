import Synchronization

/// A flag one task (or a C callback's thread) raises once and others read: whether the service
/// is leaving the consumer group, whether a round of messages is done, whether the server got as
/// far as listening.
public final class OneWayFlag: Sendable {
    private let raised = Mutex(false)

    public init() {}

    public func raise() { raised.withLock { $0 = true } }
    public var isRaised: Bool { raised.withLock { $0 } }
}

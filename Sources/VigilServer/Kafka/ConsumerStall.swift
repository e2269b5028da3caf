import Synchronization

/// Why the consumer is retrying instead of going on (`nil` while it goes on), for `/health`: a
/// consumer stuck on one message holds every partition (a round waits for all its lanes),
/// which the brokers' state alone would not show.
final class ConsumerStall: Sendable {
    private let problems = Mutex<[Int: String]>([:])

    /// One lane's problem, or `nil` once it goes on.
    func set(_ problem: String?, lane: Int) {
        problems.withLock { $0[lane] = problem }
    }

    /// The problem of the first lane that has one.
    var problem: String? {
        problems.withLock { problems in problems.keys.min().flatMap { problems[$0] } }
    }
}

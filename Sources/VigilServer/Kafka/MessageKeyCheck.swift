import Synchronization
import VigilKafka

/// Notices metric messages that are not keyed by their service. Kafka keeps order, and Vigil a
/// service's feature vector, per partition: the messages of a service spread over partitions
/// (unkeyed, or keyed by something else) are read by several instances, in no order, and each
/// sees only part of the service's vector. Warned about once, counted always.
final class MessageKeyCheck: Sendable {
    private let warned = Mutex(false)

    /// Why `message`, carrying `service`'s metric, is mis-keyed, the first time one is; nil for
    /// a message keyed by its service and for every mis-keyed one after the first.
    func firstProblem(of message: KafkaMessage, service: String) -> String? {
        guard !message.hasKey(service), isFirst() else { return nil }
        let found = message.keyString.map { "the key '\($0.prefix(64))'" } ?? "no key"
        return "a metric message of service '\(service)' has \(found) (partition \(message.topic)/\(message.partition)):"
            + " key metric messages by service, or a service's metrics spread over partitions and instances, out of order"
    }

    private func isFirst() -> Bool {
        warned.withLock { warned in
            defer { warned = true }
            return !warned
        }
    }
}

import CRdKafka

/// Asks a client's brokers for metadata while its ``BrokerState`` is not `connected`, so the
/// state recovers when nothing flows: otherwise an idle producer (no alerts) would stay
/// `connecting` from its start, or `failing` from a broker outage long over, and `/ready` would
/// keep the service out of rotation, so that nothing ever flowed again.
final class BrokerWatch: Sendable {
    private let task: Task<Void, Never>

    /// Starts watching `client` every `interval`; each probe waits at most `timeout` for an answer.
    init(client: ClientHandle, broker: BrokerStateBox, interval: Duration = .seconds(5), timeout: Duration = .seconds(3)) {
        let milliseconds = timeout.librdkafkaMilliseconds
        task = Task.detached {
            while !Task.isCancelled {
                let (state, changes) = broker.versioned
                if state != .connected {
                    // The call ends by itself within `milliseconds`; the thread holds the client till then.
                    let answered = await runBlocking { client.brokersAnswer(timeout: milliseconds) }
                    if answered { broker.set(.connected, ifUnchangedSince: changes) }
                }
                try? await Task.sleep(for: interval)
            }
        }
    }

    /// Stops watching: at once between probes, else when the current probe ends.
    func stop() {
        task.cancel()
    }
}

extension ClientHandle {
    /// Whether a broker answers a metadata request (for the topics the client knows) within
    /// `timeout` milliseconds. Blocks.
    func brokersAnswer(timeout: Int32) -> Bool {
        var metadata: UnsafePointer<rd_kafka_metadata>?
        let error = rd_kafka_metadata(handle, 0, nil, &metadata, timeout)
        if let metadata { rd_kafka_metadata_destroy(metadata) }
        return error == RD_KAFKA_RESP_ERR_NO_ERROR
    }
}

import CRdKafka
import Foundation
import Synchronization

/// A member of a Kafka consumer group: reads its share of the topics' partitions.
///
/// At least once: offsets are never stored automatically; call ``markProcessed(_:)`` once a
/// message's effects are durable, and librdkafka commits stored offsets in the background
/// (and on ``close()``). A message not marked is read again after a restart or rebalance.
///
/// ``poll()`` never blocks; `onRevoke` runs from it when the group takes partitions away, so a
/// caller can drop the state it keeps for them. A caller busy with messages for a while keeps its
/// place in the group by pausing its partitions and polling on (``pause(_:)``).
public final class KafkaConsumer: Sendable {
    private let client: ClientHandle
    private let context: ConsumerContext
    private let watch: BrokerWatch

    /// - Parameters:
    ///   - configuration: must set `group.id`.
    ///   - onRevoke: called with the partitions this member loses, before they go to another.
    ///   - log: receives librdkafka's log lines (`nil`: it prints them to standard error).
    public init(
        configuration: KafkaConfiguration, topics: [String], log: KafkaLogHandler? = nil,
        onRevoke: @escaping @Sendable ([KafkaPartition]) -> Void = { _ in }
    ) throws(KafkaError) {
        guard configuration["group.id"] != nil else { throw KafkaError(.configuration(property: "group.id"), message: "a consumer needs a group id") }
        var configuration = configuration
        configuration["enable.auto.offset.store"] = "false"
        if configuration["enable.auto.commit"] == nil { configuration["enable.auto.commit"] = "true" }
        if configuration["auto.commit.interval.ms"] == nil { configuration["auto.commit.interval.ms"] = "500" }
        if configuration["auto.offset.reset"] == nil { configuration["auto.offset.reset"] = "earliest" }
        let conf = try configuration.makeConf()
        let context = ConsumerContext(log: log, onRevoke: onRevoke)
        rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(context).toOpaque())
        context.installCallbacks(on: conf)
        rd_kafka_conf_set_rebalance_cb(conf) { handle, error, partitions, opaque in
            guard let handle, let opaque else { return }
            Unmanaged<ConsumerContext>.fromOpaque(opaque).takeUnretainedValue().rebalance(handle, error, partitions)
        }
        let handle = try makeClient(RD_KAFKA_CONSUMER, conf: conf)
        rd_kafka_poll_set_consumer(handle)
        let client = ClientHandle(handle, context: context)
        self.client = client
        self.context = context
        self.watch = BrokerWatch(client: client, broker: context.broker, interval: configuration.brokerProbeInterval)
        let whole = topics.map { TopicPartitionList.Entry(topic: $0, partition: RD_KAFKA_PARTITION_UA) }
        let error = TopicPartitionList.with(whole) { rd_kafka_subscribe(handle, $0) }
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(.consumer, error: error, context: "cannot subscribe to \(topics)") }
    }

    deinit {
        watch.stop()
    }

    /// What the consumer last learned about its brokers (a ``BrokerWatch`` asks them whenever it
    /// is not `connected`, so an idle topic does not leave it `connecting`).
    public var brokerState: BrokerState { context.broker.state }

    /// The partitions assigned to this member now.
    public var assignment: [KafkaPartition] { context.assignment.withLock { $0 } }

    /// The next message, or `nil` when none is waiting. Partition ends are skipped; a broker-side
    /// error on a partition is thrown.
    public func poll() throws(KafkaError) -> KafkaMessage? {
        guard let message = rd_kafka_consumer_poll(client.handle, 0) else { return nil }
        defer { rd_kafka_message_destroy(message) }
        let error = message.pointee.err
        if error == RD_KAFKA_RESP_ERR__PARTITION_EOF { return nil }
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR else {
            // librdkafka's own text names more than the code does (which topic is unknown, say).
            let topic = message.pointee.rkt.map { "\(String(cString: rd_kafka_topic_name($0)))/\(message.pointee.partition): " } ?? ""
            throw KafkaError(
                .consumer, code: error.rawValue, message: "consuming failed: \(topic)\(String(cString: rd_kafka_message_errstr(message)))")
        }
        context.broker.set(.connected)
        return KafkaMessage(message)
    }

    /// How many rebalances this member has been through: a change says the assignment may have
    /// changed in between (partitions revoked, and perhaps given back).
    public var rebalances: Int { context.committed.withLock { $0.generation } }

    /// Stops fetching from `partitions`: ``poll()`` then returns none of their messages (those
    /// already fetched are dropped, and fetched again on ``resume(_:)``), but still serves
    /// rebalances and keeps this member in the group. A partition stays paused through a
    /// rebalance that takes it away and gives it back, until resumed.
    public func pause(_ partitions: [KafkaPartition]) throws(KafkaError) {
        guard !partitions.isEmpty else { return }
        let error = TopicPartitionList.with(partitions) { rd_kafka_pause_partitions(client.handle, $0) }
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(.consumer, error: error, context: "cannot pause \(partitions.count) partitions")
        }
        context.paused.withLock { $0.formUnion(partitions) }
    }

    /// The partitions paused and not resumed since, assigned or not.
    public var paused: Set<KafkaPartition> { context.paused.withLock { $0 } }

    /// Fetches from `partitions` again. Only those paused are resumed: librdkafka before 2.4
    /// could fetch a partition that was never paused again from an earlier offset.
    public func resume(_ partitions: some Sequence<KafkaPartition>) throws(KafkaError) {
        let paused = context.paused.withLock { paused in partitions.filter { paused.contains($0) } }
        guard !paused.isEmpty else { return }
        let error = TopicPartitionList.with(paused) { rd_kafka_resume_partitions(client.handle, $0) }
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(.consumer, error: error, context: "cannot resume \(paused.count) partitions")
        }
        context.paused.withLock { $0.subtract(paused) }
    }

    /// Makes the next messages of assigned partitions start at the given offsets, dropping any
    /// fetched from elsewhere (on a thread of its own; at most `timeout`).
    public func seek(_ offsets: [KafkaPartition: Int64], timeout: Duration = .seconds(2)) async throws(KafkaError) {
        guard !offsets.isEmpty else { return }
        let client = self.client
        let milliseconds = timeout.librdkafkaMilliseconds
        let entries = offsets.map { TopicPartitionList.Entry(topic: $0.key.topic, partition: $0.key.partition, offset: $0.value) }
        // The whole call's error, else the first partition's.
        let error = await runBlocking {
            TopicPartitionList.with(entries) { list -> rd_kafka_resp_err_t in
                guard let failure = rd_kafka_seek_partitions(client.handle, list, milliseconds) else {
                    return (0..<Int(list.pointee.cnt)).lazy.map { list.pointee.elems[$0].err }.first { $0 != RD_KAFKA_RESP_ERR_NO_ERROR }
                        ?? RD_KAFKA_RESP_ERR_NO_ERROR
                }
                defer { rd_kafka_error_destroy(failure) }
                return rd_kafka_error_code(failure)
            }
        }
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(.consumer, error: error, context: "cannot seek \(offsets.count) partitions")
        }
    }

    /// Records that `message` (and everything before it on its partition) is processed: its offset
    /// is committed with the next automatic commit.
    public func markProcessed(_ message: KafkaMessage) throws(KafkaError) {
        try markProcessed([message])
    }

    /// Records that `messages` are processed, in one call: for each partition, the highest offset
    /// among them (so every earlier message of that partition must be processed too).
    public func markProcessed(_ messages: [KafkaMessage]) throws(KafkaError) {
        let highest = KafkaMessage.highestOffsets(of: messages)
        guard !highest.isEmpty else { return }
        // The offset stored is the next message's.
        let entries = highest.map { TopicPartitionList.Entry(topic: $0.key.topic, partition: $0.key.partition, offset: $0.value + 1) }
        let error = TopicPartitionList.with(entries) { rd_kafka_offsets_store(client.handle, $0) }
        // A partition revoked meanwhile cannot store: its next owner reads the messages again.
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR || error == RD_KAFKA_RESP_ERR__STATE else {
            throw KafkaError(.consumer, error: error, context: "cannot store offsets for \(highest.count) partitions")
        }
    }

    /// How far this member is behind on each assigned partition: the high watermark last seen
    /// minus the next offset it will read. That is its position once it has read from the
    /// partition, and until then the group's committed offset (asked once per assignment, on a
    /// thread of its own, at most `timeout`; the low watermark when nothing was committed). A
    /// partition whose committed offset did not come in time is left out, not guessed.
    public func lag(timeout: Duration = .seconds(1)) async -> [KafkaPartition: Int64] {
        let partitions = assignment
        guard !partitions.isEmpty else { return [:] }
        var next = Self.offsets(of: partitions) { list in rd_kafka_position(client.handle, list) } ?? [:]
        let unread = partitions.filter { (next[$0] ?? -1) < 0 }
        let (ask, generation) = context.committed.withLock { cache in (unread.filter { cache.offsets[$0] == nil }, cache.generation) }
        if !ask.isEmpty {
            let client = self.client
            let milliseconds = timeout.librdkafkaMilliseconds
            // nil when the answer did not come in time (outer) or the query failed (inner).
            let answer = await runBlocking(timeout: timeout + .milliseconds(100)) {
                Self.offsets(of: ask) { list in rd_kafka_committed(client.handle, list, milliseconds) }
            }
            if let fetched = answer ?? nil, fetched.count == ask.count {
                // Not when a rebalance came in between: the answer may be about an older assignment.
                context.committed.withLock { cache in
                    if cache.generation == generation { cache.offsets.merge(fetched) { $1 } }
                }
            }
        }
        context.committed.withLock { cache in
            for partition in unread { next[partition] = cache.offsets[partition] }
        }
        var lags: [KafkaPartition: Int64] = [:]
        for partition in partitions {
            guard let offset = next[partition] else { continue }
            var low: Int64 = 0
            var high: Int64 = 0
            guard
                rd_kafka_get_watermark_offsets(client.handle, partition.topic, partition.partition, &low, &high) == RD_KAFKA_RESP_ERR_NO_ERROR,
                high >= 0
            else { continue }
            lags[partition] = max(0, high - (offset >= 0 ? offset : low))
        }
        return lags
    }

    /// The offsets `query` fills in for `partitions` (RD_KAFKA_OFFSET_INVALID, below 0, where it
    /// knows none), or `nil` when it fails.
    private static func offsets(
        of partitions: [KafkaPartition],
        _ query: (UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) -> rd_kafka_resp_err_t
    ) -> [KafkaPartition: Int64]? {
        TopicPartitionList.with(partitions) { list in
            guard query(list) == RD_KAFKA_RESP_ERR_NO_ERROR else { return nil }
            return Dictionary(TopicPartitionList.offsets(in: list).map { ($0.partition, $0.offset) }) { $1 }
        }
    }

    /// Commits stored offsets now and waits for the answer (on a thread of its own).
    public func commit() async throws(KafkaError) {
        let client = self.client
        let error = await runBlocking { rd_kafka_commit(client.handle, nil, 0) }
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR || error == RD_KAFKA_RESP_ERR__NO_OFFSET else {
            throw KafkaError(.consumer, error: error, context: "commit failed")
        }
    }

    /// Leaves the group: commits stored offsets and hands the partitions back (blocking, on a
    /// thread of its own). Call once, before dropping the consumer.
    ///
    /// librdkafka can wait for an unreachable coordinator without end, so this stops waiting after
    /// `timeout` and returns false: offsets stored since the last commit are then read again by
    /// the partitions' next owner (at least once). In a cancelled task it does not wait: false
    /// at once.
    @discardableResult
    public func close(timeout: Duration = .seconds(10)) async -> Bool {
        watch.stop()
        let client = self.client
        return await runBlocking(timeout: timeout) { rd_kafka_consumer_close(client.handle) } != nil
    }
}

/// A topic partition.
public struct KafkaPartition: Sendable, Hashable {
    public var topic: String
    public var partition: Int32

    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }
}

/// State shared with the consumer's C callbacks.
final class ConsumerContext: ClientContext {
    let onRevoke: @Sendable ([KafkaPartition]) -> Void
    let log: KafkaLogHandler?
    let assignment = Mutex<[KafkaPartition]>([])
    /// The partitions the application paused and has not resumed.
    let paused = Mutex<Set<KafkaPartition>>([])
    /// The group's committed offsets of assigned partitions not read yet (see
    /// ``KafkaConsumer/lag(timeout:)``), and how many rebalances came before them.
    let committed = Mutex<(offsets: [KafkaPartition: Int64], generation: Int)>(([:], 0))
    let broker = BrokerStateBox()

    init(log: KafkaLogHandler?, onRevoke: @escaping @Sendable ([KafkaPartition]) -> Void) {
        self.log = log
        self.onRevoke = onRevoke
    }

    /// Eager rebalancing: take the new assignment, or report and drop the revoked one.
    func rebalance(_ handle: OpaquePointer, _ error: rd_kafka_resp_err_t, _ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?) {
        let partitions = list.map { TopicPartitionList.offsets(in: $0, includingFailed: true).map(\.partition) } ?? []
        committed.withLock { $0 = ([:], $0.generation + 1) }
        if error == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS {
            broker.set(.connected)  // the group coordinator answered
            assignment.withLock { $0 = partitions }
            rd_kafka_assign(handle, list)
        } else {
            onRevoke(partitions)
            assignment.withLock { $0 = [] }
            rd_kafka_assign(handle, nil)
        }
    }
}

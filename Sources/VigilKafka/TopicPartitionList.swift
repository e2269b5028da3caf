import CRdKafka

/// Builds and reads librdkafka's topic-partition lists (`rd_kafka_topic_partition_list_t`), which
/// subscriptions, offset stores and queries, and rebalances all pass.
enum TopicPartitionList {
    typealias Pointer = UnsafeMutablePointer<rd_kafka_topic_partition_list_t>

    /// One entry: a topic, a partition (`RD_KAFKA_PARTITION_UA` for a whole topic) and the
    /// offset to set, if any.
    struct Entry {
        var topic: String
        var partition: Int32
        var offset: Int64?
    }

    /// Runs `body` with a new list of `entries`, destroyed after.
    static func with<Result>(_ entries: [Entry], _ body: (Pointer) -> Result) -> Result {
        let list = rd_kafka_topic_partition_list_new(Int32(entries.count))!
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for entry in entries {
            let element = rd_kafka_topic_partition_list_add(list, entry.topic, entry.partition)!
            if let offset = entry.offset { element.pointee.offset = offset }
        }
        return body(list)
    }

    /// Runs `body` with a new list of `partitions`.
    static func with<Result>(_ partitions: [KafkaPartition], _ body: (Pointer) -> Result) -> Result {
        with(partitions.map { Entry(topic: $0.topic, partition: $0.partition) }, body)
    }

    /// The list's partitions with their offsets; those librdkafka marked with an error are left
    /// out unless `includingFailed`.
    static func offsets(in list: Pointer, includingFailed: Bool = false) -> [(partition: KafkaPartition, offset: Int64)] {
        (0..<Int(list.pointee.cnt)).compactMap { index in
            let element = list.pointee.elems[index]
            guard includingFailed || element.err == RD_KAFKA_RESP_ERR_NO_ERROR else { return nil }
            return (KafkaPartition(topic: String(cString: element.topic), partition: element.partition), element.offset)
        }
    }
}

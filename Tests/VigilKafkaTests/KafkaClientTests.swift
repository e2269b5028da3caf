import Foundation
import Synchronization
import Testing
import VigilKafka

/// The librdkafka wrapper against librdkafka's mock cluster (no Kafka installation needed).
@Suite(.serialized) struct KafkaClientTests {
    /// A fresh group id per test: the mock cluster is slow to re-form a group all members left.
    static func groupID() -> String { "vigil-test-\(UUID().uuidString.prefix(8))" }

    static func consumerConfiguration(_ cluster: KafkaMockCluster, group: String) -> KafkaConfiguration {
        KafkaConfiguration(
            bootstrapServers: cluster.bootstrapServers,
            properties: ["group.id": group, "session.timeout.ms": "6000", "heartbeat.interval.ms": "500"])
    }

    /// Reads messages until `count` arrived or `timeout` passed.
    static func collect(_ consumers: [KafkaConsumer], count: Int, timeout: Duration = .seconds(30)) async throws -> [[KafkaMessage]] {
        var seen = Array(repeating: [KafkaMessage](), count: consumers.count)
        let deadline = ContinuousClock.now + timeout
        while seen.reduce(0, { $0 + $1.count }) < count, ContinuousClock.now < deadline {
            var idle = true
            for (index, consumer) in consumers.enumerated() {
                while let message = try consumer.poll() {
                    seen[index].append(message)
                    try consumer.markProcessed(message)
                    idle = false
                }
            }
            if idle { try await Task.sleep(for: .milliseconds(10)) }
        }
        return seen
    }

    @Test func producedMessagesComeBackWithKeysAndHeaders() async throws {
        let cluster = try KafkaMockCluster()
        try cluster.createTopic("round-trip", partitions: 2)
        let producer = try KafkaProducer(configuration: KafkaConfiguration(bootstrapServers: cluster.bootstrapServers))
        let report = try await producer.send(
            KafkaOutgoingMessage(
                topic: "round-trip", key: "checkout", value: Array("{\"a\":1}".utf8), headers: [KafkaHeader(name: "reason", text: "test")]))
        #expect(report.topic == "round-trip")
        #expect(report.offset >= 0)
        #expect(producer.brokerState == .connected)

        let consumer = try KafkaConsumer(configuration: Self.consumerConfiguration(cluster, group: Self.groupID()), topics: ["round-trip"])
        let messages = try await Self.collect([consumer], count: 1)[0]
        #expect(messages.count == 1)
        #expect(messages.first?.keyString == "checkout")
        #expect(messages.first?.value == Array("{\"a\":1}".utf8))
        #expect(messages.first?.headers == [KafkaHeader(name: "reason", text: "test")])
        await consumer.close()
    }

    /// With the cluster gone, librdkafka may wait for the coordinator forever; `close` gives up in
    /// time so that Vigil can still shut down.
    @Test func closeReturnsWhenTheClusterIsGone() async throws {
        var cluster: KafkaMockCluster? = try KafkaMockCluster()
        try cluster?.createTopic("gone", partitions: 2)
        let configuration = Self.consumerConfiguration(try #require(cluster), group: Self.groupID())
        let producer = try KafkaProducer(configuration: KafkaConfiguration(bootstrapServers: try #require(cluster).bootstrapServers))
        _ = try await producer.send(KafkaOutgoingMessage(topic: "gone", key: "a", value: Array("1".utf8)))
        let consumer = try KafkaConsumer(configuration: configuration, topics: ["gone"])
        #expect(try await Self.collect([consumer], count: 1)[0].count == 1)
        cluster = nil
        let started = ContinuousClock.now
        await consumer.close(timeout: .seconds(2))
        #expect(ContinuousClock.now - started < .seconds(6))
    }

    @Test func twoConsumersInOneGroupSplitThePartitionsAndSeeEveryMessageOnce() async throws {
        let cluster = try KafkaMockCluster()
        try cluster.createTopic("metrics", partitions: 4)
        let group = Self.groupID()
        let first = try KafkaConsumer(configuration: Self.consumerConfiguration(cluster, group: group), topics: ["metrics"])
        let second = try KafkaConsumer(configuration: Self.consumerConfiguration(cluster, group: group), topics: ["metrics"])
        // Let both join before producing, so the split is visible.
        let deadline = ContinuousClock.now + .seconds(30)
        while (first.assignment.isEmpty || second.assignment.isEmpty), ContinuousClock.now < deadline {
            _ = try first.poll()
            _ = try second.poll()
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(first.assignment.count == 2)
        #expect(second.assignment.count == 2)
        #expect(Set(first.assignment).isDisjoint(with: second.assignment))

        let producer = try KafkaProducer(configuration: KafkaConfiguration(bootstrapServers: cluster.bootstrapServers))
        let delivered = Mutex(0)
        for index in 0..<400 {
            try producer.send(KafkaOutgoingMessage(topic: "metrics", key: "service-\(index % 16)", value: Array("\(index)".utf8))) { result in
                if case .success = result { delivered.withLock { $0 += 1 } }
            }
        }
        await producer.flush()
        #expect(delivered.withLock { $0 } == 400)

        let seen = try await Self.collect([first, second], count: 400)
        #expect(!seen[0].isEmpty && !seen[1].isEmpty, "both members consume")
        let values = (seen[0] + seen[1]).map { String(decoding: $0.value, as: UTF8.self) }
        #expect(values.count == 400)
        #expect(Set(values) == Set((0..<400).map(String.init)))
        await first.close()
        await second.close()
    }

    @Test func deliveriesWaitForABrokerThatComesBack() async throws {
        let (cluster, producer) = try await Self.producerWithItsBrokerDown()
        let delivered = Mutex(0)
        for index in 0..<20 {
            try producer.send(KafkaOutgoingMessage(topic: "alerts", value: Array("\(index)".utf8))) { result in
                if case .success = result { delivered.withLock { $0 += 1 } }
            }
        }
        try await Task.sleep(for: .milliseconds(500))
        #expect(delivered.withLock { $0 } == 0)
        // librdkafka's out-queue length also counts callbacks waiting to be served (the broker
        // going down raises an error event), so it is at least the 20 messages held.
        #expect(producer.queueDepth >= 20)
        cluster.setBrokerUp(1)
        let deadline = ContinuousClock.now + .seconds(30)
        while delivered.withLock({ $0 }) < 20, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(delivered.withLock { $0 } == 20)
    }

    /// A mock cluster with topic `alerts` and a producer that delivered to it once, after which
    /// the cluster's only broker went down.
    static func producerWithItsBrokerDown(
        _ configure: (inout KafkaConfiguration) -> Void = { _ in }
    ) async throws -> (KafkaMockCluster, KafkaProducer) {
        let cluster = try KafkaMockCluster()
        try cluster.createTopic("alerts", partitions: 1)
        var configuration = KafkaConfiguration(bootstrapServers: cluster.bootstrapServers)
        configure(&configuration)
        let producer = try KafkaProducer(configuration: configuration)
        _ = try await producer.send(KafkaOutgoingMessage(topic: "alerts", value: Array("warm-up".utf8)))
        cluster.setBrokerDown(1)
        return (cluster, producer)
    }

    /// Whether `condition` holds within `timeout`, checked every 50 ms.
    static func eventually(within timeout: Duration = .seconds(20), _ condition: () -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while !condition() {
            guard ContinuousClock.now < deadline else { return false }
            try await Task.sleep(for: .milliseconds(50))
        }
        return true
    }

    @Test func idleClientsLearnWhetherTheirBrokersAnswer() async throws {
        let cluster = try KafkaMockCluster()
        try cluster.createTopic("quiet", partitions: 1)
        var configuration = KafkaConfiguration(bootstrapServers: cluster.bootstrapServers)
        configuration.brokerProbeInterval = .milliseconds(200)
        let producer = try KafkaProducer(configuration: configuration)
        var consumerConfiguration = Self.consumerConfiguration(cluster, group: Self.groupID())
        consumerConfiguration.brokerProbeInterval = .milliseconds(200)
        let consumer = try KafkaConsumer(configuration: consumerConfiguration, topics: ["quiet"])
        // Nothing is sent or received: the brokers answering is all there is to learn from.
        #expect(try await Self.eventually { producer.brokerState == .connected })
        #expect(
            try await Self.eventually {
                _ = try? consumer.poll(); return consumer.brokerState == .connected
            })
        cluster.setBrokerDown(1)
        // Named by the configured servers: librdkafka's own "2/2 brokers are down" counts the
        // consumer's group-coordinator connection as a second broker.
        let down = BrokerState.failing("no broker of bootstrap.servers answers (the log names each address tried)")
        #expect(try await Self.eventually { producer.brokerState == down })
        #expect(
            try await Self.eventually {
                _ = try? consumer.poll(); return consumer.brokerState == down
            })
        // Before the watch, an idle producer stayed `failing` until its next delivery.
        cluster.setBrokerUp(1)
        #expect(try await Self.eventually { producer.brokerState == .connected })
        await consumer.close()
    }

    /// A member that has not read from a partition yet counts its lag from the group's committed
    /// offset: after a restart, an idle partition read to its end is 0 behind, not its history.
    @Test func lagCountsFromTheCommittedOffsetUntilAMessageIsRead() async throws {
        let cluster = try KafkaMockCluster()
        try cluster.createTopic("lagged", partitions: 1)
        let producer = try KafkaProducer(configuration: KafkaConfiguration(bootstrapServers: cluster.bootstrapServers))
        for index in 0..<50 { _ = try await producer.send(KafkaOutgoingMessage(topic: "lagged", value: Array("\(index)".utf8))) }
        let group = Self.groupID()
        let first = try KafkaConsumer(configuration: Self.consumerConfiguration(cluster, group: group), topics: ["lagged"])
        #expect(try await Self.collect([first], count: 50).first?.count == 50)
        try await first.commit()
        await first.close()
        for index in 50..<60 { _ = try await producer.send(KafkaOutgoingMessage(topic: "lagged", value: Array("\(index)".utf8))) }

        let second = try KafkaConsumer(configuration: Self.consumerConfiguration(cluster, group: group), topics: ["lagged"])
        let partition = KafkaPartition(topic: "lagged", partition: 0)
        // Polled only until the assignment is served (that poll returns no message in practice;
        // one that did would be counted from its position).
        var read = 0
        #expect(
            try await Self.eventually {
                if (try? second.poll()) != nil { read += 1 }
                return !second.assignment.isEmpty
            })
        var lag: [KafkaPartition: Int64] = [:]
        for _ in 0..<100 where lag[partition] == nil {
            lag = await second.lag()
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(lag[partition] == Int64(10 - read))
        await second.close()
    }

    /// A paused partition yields nothing however long it is polled; resumed, it goes on from the
    /// message after the last one returned, none lost or repeated.
    @Test func aPausedPartitionWaitsAndResumesWhereItStopped() async throws {
        let cluster = try KafkaMockCluster()
        try cluster.createTopic("paused", partitions: 1)
        let producer = try KafkaProducer(configuration: KafkaConfiguration(bootstrapServers: cluster.bootstrapServers))
        for index in 0..<20 { _ = try await producer.send(KafkaOutgoingMessage(topic: "paused", value: Array("\(index)".utf8))) }
        let consumer = try KafkaConsumer(configuration: Self.consumerConfiguration(cluster, group: Self.groupID()), topics: ["paused"])
        var read: [String] = []
        #expect(
            try await Self.eventually {
                if let message = try? consumer.poll() { read.append(String(decoding: message.value, as: UTF8.self)) }
                return !read.isEmpty
            })
        try consumer.pause(consumer.assignment)
        let beforePause = read.count
        for _ in 0..<40 {
            if let message = try consumer.poll() { read.append(String(decoding: message.value, as: UTF8.self)) }
            try await Task.sleep(for: .milliseconds(25))
        }
        #expect(read.count == beforePause, "a paused partition delivered \(read.count - beforePause) messages")
        try consumer.resume(consumer.assignment)
        #expect(
            try await Self.eventually {
                while let message = try? consumer.poll() { read.append(String(decoding: message.value, as: UTF8.self)) }
                return read.count >= 20
            })
        #expect(read == (0..<20).map(String.init))
        await consumer.close()
    }

    /// With a log handler, librdkafka's lines (here: the broker refusing connections) reach it
    /// as records instead of standard error.
    @Test func librdkafkasLogLinesReachTheHandler() async throws {
        let records = Mutex<[KafkaLogRecord]>([])
        let port = try Self.closedPort()
        let producer = try KafkaProducer(configuration: KafkaConfiguration(bootstrapServers: "127.0.0.1:\(port)")) { record in
            records.withLock { $0.append(record) }
        }
        #expect(try await Self.eventually { records.withLock { $0.contains { $0.facility == "FAIL" } } })
        let failure = try #require(records.withLock { $0.first { $0.facility == "FAIL" } })
        #expect(failure.severity == 3)
        #expect(failure.client.hasPrefix("vigil#producer"))
        #expect(failure.message.contains("Connection refused"))
        _ = producer
    }

    /// A port on 127.0.0.1 that nothing listens on (bound, then closed).
    static func closedPort() throws -> Int {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0 }
        }
        guard bound else { throw KafkaError(.client, message: "no free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Waiting for a delivery report ends when the waiting task is cancelled (a shutdown during a
    /// broker outage), not when librdkafka gives up on the message minutes later.
    @Test func cancellingASendStopsTheWait() async throws {
        let (cluster, producer) = try await Self.producerWithItsBrokerDown()
        let started = ContinuousClock.now
        let waiting = Task { try await producer.send(KafkaOutgoingMessage(topic: "alerts", value: Array("held".utf8))) }
        try await Task.sleep(for: .milliseconds(300))
        waiting.cancel()
        await #expect(throws: KafkaError.self) { try await waiting.value }
        #expect(ContinuousClock.now - started < .seconds(5))
        cluster.setBrokerUp(1)
    }

    /// A delivery that timed out makes the producer `failing` until a delivery gets through: a
    /// broker answering metadata requests does not mean messages get through.
    @Test func aDeliveryTimeoutHoldsUntilADeliveryGetsThrough() async throws {
        let (cluster, producer) = try await Self.producerWithItsBrokerDown { configuration in
            configuration["message.timeout.ms"] = "300"
            configuration.brokerProbeInterval = .milliseconds(100)
        }
        await #expect(throws: KafkaError.self) { try await producer.send(KafkaOutgoingMessage(topic: "alerts", value: Array("lost".utf8))) }
        #expect(try await Self.eventually { if case .failing = producer.brokerState { true } else { false } })
        cluster.setBrokerUp(1)
        try await Task.sleep(for: .seconds(1))
        #expect(producer.brokerState != .connected, "probes alone do not clear a delivery failure")
        _ = try await producer.send(KafkaOutgoingMessage(topic: "alerts", value: Array("through".utf8)))
        #expect(producer.brokerState == .connected)
    }

    @Test func badConfigurationNamesTheProperty() {
        #expect {
            _ = try KafkaProducer(configuration: KafkaConfiguration(bootstrapServers: "x", properties: ["linger.ms": "soon"]))
        } throws: { error in
            (error as? KafkaError)?.kind == .configuration(property: "linger.ms")
        }
        #expect(throws: KafkaError.self) {
            _ = try KafkaConsumer(configuration: KafkaConfiguration(bootstrapServers: "x"), topics: ["t"])
        }
    }
}

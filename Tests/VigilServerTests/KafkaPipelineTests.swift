import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import Testing
import VigilDetect
import VigilKafka
import VigilML
import VigilServer

/// Alerts out to Kafka and metrics in from it, against librdkafka's mock cluster.
@Suite(.serialized) struct KafkaPipelineTests {
    static let tags = "{\"memory_usage\":50,\"disk_io\":50,\"network_io\":50,\"response_time\":50}"

    static func service(
        _ cluster: KafkaMockCluster, dataDirectory: String? = nil, metrics: Bool = false, group: String = "vigil-\(UUID().uuidString.prefix(8))",
        properties: [String: String] = [:]
    ) throws -> VigilService {
        try TestService.make { configuration in
            if let dataDirectory { configuration.dataDirectory = dataDirectory }
            var kafka = KafkaSettings(brokers: cluster.bootstrapServers)
            kafka.consumerGroup = group
            kafka.properties = ["session.timeout.ms": "6000", "heartbeat.interval.ms": "500", "message.timeout.ms": "120000"].merging(properties) {
                $1
            }
            if metrics { kafka.metricsTopic = "metrics" }
            configuration.kafka = kafka
        }
    }

    /// A service reading the `metrics` topic (of `partitions`) of a fresh mock cluster, a producer
    /// to it, and the served model's assembler.
    static func metricsFed(partitions: Int, group: String = "vigil-\(UUID().uuidString.prefix(8))") throws -> (
        cluster: KafkaMockCluster, service: VigilService, producer: KafkaProducer, assembler: FeatureAssembler
    ) {
        let cluster = try KafkaMockCluster()
        try cluster.createTopic("metrics", partitions: partitions)
        let service = try Self.service(cluster, metrics: true, group: group)
        let producer = try KafkaProducer(configuration: KafkaConfiguration(bootstrapServers: cluster.bootstrapServers))
        return (cluster, service, producer, try #require(service.pipeline.models.current?.assembler))
    }

    /// Sends one metric of `service`, keyed by it, and waits until the assembler holds it.
    static func feed(_ service: String, through producer: KafkaProducer, until assembler: FeatureAssembler) async throws {
        let event = metric(service: service, value: 55, timestamp: 1_764_072_000_000)
        _ = try await producer.send(KafkaOutgoingMessage(topic: "metrics", key: service, value: Array(event.utf8)))
        #expect(try await waitUntil { assembler.serviceCount == 1 })
    }

    /// Reads `count` messages of `topic` with a fresh group.
    static func read(_ topic: String, count: Int, from cluster: KafkaMockCluster, timeout: Duration = .seconds(30)) async throws -> [KafkaMessage] {
        let consumer = try KafkaConsumer(
            configuration: KafkaConfiguration(
                bootstrapServers: cluster.bootstrapServers, properties: ["group.id": "reader-\(UUID().uuidString.prefix(8))"]),
            topics: [topic])
        var messages: [KafkaMessage] = []
        let deadline = ContinuousClock.now + timeout
        while messages.count < count, ContinuousClock.now < deadline {
            if let message = try consumer.poll() { messages.append(message) } else { try await Task.sleep(for: .milliseconds(20)) }
        }
        await consumer.close()
        return messages
    }

    /// Makes the alert store refuse writes (a full disk, as the consumer sees it), sends `web` an
    /// anomaly through Kafka, and waits until the consumer says it is stalled on its alert.
    /// Returns the database: `DROP TRIGGER refuse` lets the consumer go on.
    static func stallOnAnAlert(_ service: VigilService, producer: KafkaProducer, client: some TestClientProtocol) async throws -> DatabaseQueue {
        let database = try DatabaseQueue(path: service.configuration.alertDatabasePath)
        try await database.write { try $0.execute(sql: "CREATE TRIGGER refuse BEFORE INSERT ON alert BEGIN SELECT RAISE(ABORT, 'disk full'); END") }
        _ = try await producer.send(
            KafkaOutgoingMessage(topic: "metrics", key: "web", value: Array(metric(service: "web", value: 700, tags: Self.tags).utf8)))
        #expect(try await Self.waitUntil { try await kafkaHealth(client)["consumer_stalled"] != nil })
        return database
    }

    /// `/health`'s `kafka` object.
    static func kafkaHealth(_ client: some TestClientProtocol) async throws -> [String: Any] {
        try await client.get("/health").object["kafka"] as? [String: Any] ?? [:]
    }

    static func waitUntil(_ timeout: Duration = .seconds(30), _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return false
    }

    @Test func alertsArePublishedKeyedByServiceAndLeaveTheOutbox() async throws {
        let cluster = try KafkaMockCluster()
        let service = try Self.service(cluster)
        try await service.application().test(.live) { client in
            let response = try await client.post("/api/v1/ml/detect", json: metric(service: "checkout", value: 700, tags: Self.tags))
            let id = try #require((response.object["result"] as? [String: Any])?["alert_id"] as? String)
            #expect(try await Self.waitUntil { try await service.pipeline.store.outboxCount() == 0 })
            let messages = try await Self.read("alerts", count: 1, from: cluster)
            #expect(messages.count == 1)
            #expect(messages.first?.keyString == "checkout")
            let alert = try JSONSerialization.jsonObject(with: Data(messages.first?.value ?? [])) as? [String: Any]
            #expect(alert?["id"] as? String == id)
            #expect(alert?["title"] as? String == "Anomaly detected in checkout")
            #expect((alert?["metadata"] as? [String: Any])?["metric"] as? String == "cpu_usage")
            let health = try await client.get("/health").object["kafka"] as? [String: Any]
            #expect(health?["producer"] as? String == "connected")
            #expect(health?["outbox_pending"] as? Int == 0)
        }
    }

    /// An escalation is published again: the same id, now critical, with the count of the moment.
    @Test func anEscalatedAlertIsPublishedAgain() async throws {
        let medium = try #require(TestService.cpu(flaggedAs: .medium))
        let critical = try #require(TestService.cpu(flaggedAs: .critical))
        let cluster = try KafkaMockCluster()
        try cluster.createTopic("alerts", partitions: 1)
        let service = try Self.service(cluster)
        try await service.application().test(.live) { client in
            // db: each version delivered before the next.
            for (value, seconds) in [(medium, 0.0), (critical, 60)] {
                try await client.post(
                    "/api/v1/ml/detect", json: metric(service: "db", value: value, timestamp: 1_764_072_000_000 + seconds * 1000, tags: Self.tags))
                #expect(try await Self.waitUntil { try await service.pipeline.store.outboxCount() == 0 })
            }
            // cache: back to back, so the escalation may come while the first version is in flight
            // (its delivery report must not take the escalation out of the outbox) or before it is sent.
            for (value, seconds) in [(medium, 0.0), (critical, 1)] {
                try await client.post(
                    "/api/v1/ml/detect", json: metric(service: "cache", value: value, timestamp: 1_764_072_000_000 + seconds * 1000, tags: Self.tags))
            }
            #expect(try await Self.waitUntil { try await service.pipeline.store.outboxCount() == 0 })
            let messages = try await Self.read("alerts", count: 4, from: cluster, timeout: .seconds(10))
            func alerts(of key: String) -> [[String: Any]] {
                messages.filter { $0.keyString == key }.compactMap { try? JSONSerialization.jsonObject(with: Data($0.value)) as? [String: Any] }
            }
            let db = alerts(of: "db")
            #expect(Set(db.compactMap { $0["id"] as? String }).count == 1)
            #expect(db.map { $0["severity"] as? String } == ["medium", "critical"])
            #expect(db.map { $0["count"] as? Int } == [1, 2])
            #expect(db.map { $0["revision"] as? Int } == [0, 1])
            let cache = alerts(of: "cache")
            #expect((1...2).contains(cache.count))
            #expect(cache.last?["severity"] as? String == "critical")
            #expect(cache.last?["revision"] as? Int == 1)
        }
    }

    /// Alerts raised while the broker is down wait in the outbox, survive a restart of Vigil, and
    /// are all delivered once the broker is back: none lost, none twice.
    @Test func aBrokerOutageAndARestartLoseNoAlert() async throws {
        let cluster = try KafkaMockCluster()
        try cluster.createTopic("alerts", partitions: 1)
        let directory = TestService.temporaryDirectory()
        cluster.setBrokerDown(1)
        let first = try Self.service(cluster, dataDirectory: directory)
        let ids = try await first.application().test(.live) { client -> [String] in
            var ids: [String] = []
            for index in 0..<5 {
                let response = try await client.post("/api/v1/ml/detect", json: metric(service: "svc-\(index)", value: 700, tags: Self.tags))
                ids.append(try #require((response.object["result"] as? [String: Any])?["alert_id"] as? String))
            }
            try await Task.sleep(for: .milliseconds(500))
            #expect(try await first.pipeline.store.outboxCount() == 5)
            let health = try await client.get("/health").object
            #expect((health["kafka"] as? [String: Any])?["outbox_pending"] as? Int == 5)
            // Degraded, not out of rotation: the HTTP API works and alerts wait on disk; a broker
            // outage would take every replica out at once.
            #expect(health["status"] as? String == "degraded")
            #expect(try await client.get("/ready").status == .ok)
            return ids
        }
        // Vigil restarts; the broker comes back.
        cluster.setBrokerUp(1)
        let second = try Self.service(cluster, dataDirectory: directory)
        try await second.application().test(.live) { _ async throws in
            #expect(try await Self.waitUntil { try await second.pipeline.store.outboxCount() == 0 })
        }
        let messages = try await Self.read("alerts", count: 5, from: cluster)
        let delivered = messages.compactMap { (try? JSONSerialization.jsonObject(with: Data($0.value)) as? [String: Any])?["id"] as? String }
        #expect(delivered.sorted() == ids.sorted())
    }

    @Test func metricsFromKafkaGoThroughTheSamePipelineAndBadOnesToTheDeadLetterTopic() async throws {
        let cluster = try KafkaMockCluster()
        try cluster.createTopic("metrics", partitions: 2)
        let service = try Self.service(cluster, metrics: true)
        let producer = try KafkaProducer(configuration: KafkaConfiguration(bootstrapServers: cluster.bootstrapServers))
        try await service.application().test(.live) { client in
            let messages = [
                "{\"timestamp\":1764072000000,\"service\":\"api\",\"cpu_usage\":50,\"memory_usage\":50,\"disk_io\":50,\"network_io\":50,\"response_time\":50}",
                metric(service: "api", value: 650, timestamp: 1_764_072_001_000, tags: Self.tags),
                "{\"service\":\"api\",\"metric\":\"cpu_usage\"",
                "{\"timestamp\":1764072002000,\"service\":\"api\",\"metric\":\"cpu_usage\",\"value\":\"high\"}",
            ]
            for message in messages {
                _ = try await producer.send(KafkaOutgoingMessage(topic: "metrics", key: "api", value: Array(message.utf8)))
            }
            #expect(try await Self.waitUntil { try await service.pipeline.store.alerts(matching: AlertQuery(service: "api")).count == 1 })
            let parked = try await Self.read("metrics.dlq", count: 2, from: cluster)
            #expect(parked.count == 2)
            let reasons = parked.compactMap { $0.headers.first { $0.name == "vigil-error" } }.map { String(decoding: $0.value, as: UTF8.self) }
            #expect(reasons.contains { $0.hasPrefix("the message is not valid JSON") })
            #expect(reasons.contains { $0.contains("field 'value' must be a number") })
            #expect(parked.allSatisfy { $0.keyString == "api" })
            let text = try await client.get("/metrics").text
            #expect(text.contains("vigil_kafka_messages_total{result=\"processed\"} 2"))
            #expect(text.contains("vigil_kafka_messages_total{result=\"dead_lettered\"} 2"))
            #expect(text.contains("vigil_kafka_miskeyed_messages_total 0"))
            #expect(text.contains("vigil_kafka_connected{client=\"producer\"} 1"), "\(text)")
            #expect(text.contains("vigil_kafka_connected{client=\"consumer\"} 1"))
            #expect(text.contains("vigil_kafka_consumer_stalled 0"))
            #expect(text.contains("vigil_model_load_failed 0"))
            #expect(text.contains("vigil_kafka_consumer_lag_messages{topic=\"metrics\""))
        }
    }

    /// Without a model, messages naming features the fallback does not read are not
    /// dead-lettered: they may be right for the model, so the consumer waits for it.
    @Test func withoutAModelMessagesWaitInsteadOfBeingDeadLettered() async throws {
        var generator = SeededGenerator(seed: 4)
        let data = SeedProfile.generate(samples: 400, generator: &generator)
        var trainer = DetectorTrainer()
        trainer.configuration.epochs = 2
        let custom = try trainer.train(Dataset(features: ["a", "b", "c", "d", "e"], values: data.values, source: "custom")).bundle
        let cluster = try KafkaMockCluster()
        try cluster.createTopic("metrics", partitions: 1)
        let service = try TestService.make(withModel: false) { configuration in
            var kafka = KafkaSettings(brokers: cluster.bootstrapServers)
            kafka.consumerGroup = "vigil-\(UUID().uuidString.prefix(8))"
            kafka.properties = ["session.timeout.ms": "6000", "heartbeat.interval.ms": "500"]
            kafka.metricsTopic = "metrics"
            configuration.kafka = kafka
            configuration.modelPath = TestService.temporaryDirectory() + "/missing-model"
        }
        let producer = try KafkaProducer(configuration: KafkaConfiguration(bootstrapServers: cluster.bootstrapServers))
        try await service.application().test(.live) { client in
            let message = "{\"timestamp\":1764072000000,\"service\":\"api\",\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":5}"
            _ = try await producer.send(KafkaOutgoingMessage(topic: "metrics", key: "api", value: Array(message.utf8)))
            func kafka() async throws -> [String: Any] { try await client.get("/health").object["kafka"] as? [String: Any] ?? [:] }
            #expect(try await Self.waitUntil { (try await kafka()["consumer_stalled"] as? String)?.contains("no model is loaded") == true })
            #expect(try await client.get("/metrics").text.contains("vigil_kafka_messages_total{result=\"dead_lettered\"} 0"))
            // The model arrives (a reload): the message is processed.
            try service.pipeline.models.install(custom, path: "custom", source: .bundle)
            #expect(try await Self.waitUntil { try await client.get("/metrics").text.contains("vigil_kafka_messages_total{result=\"processed\"} 1") })
            #expect(try await client.get("/metrics").text.contains("vigil_kafka_messages_total{result=\"dead_lettered\"} 0"))
            #expect(try await kafka()["consumer_stalled"] == nil)
        }
    }

    /// A graceful stop keeps the state of the services fed through Kafka for the next start:
    /// leaving the group revokes the partitions, and that revocation must not drop it.
    @Test func aGracefulStopKeepsTheStateOfKafkaFedServices() async throws {
        let (cluster, service, producer, assembler) = try Self.metricsFed(partitions: 1)
        try await service.application().test(.live) { _ async throws in
            try await Self.feed("api", through: producer, until: assembler)
        }
        #expect(assembler.serviceCount == 1)
        withExtendedLifetime(cluster) {}
    }

    /// Messages not keyed by their service are processed, and counted: their service's metrics
    /// spread over partitions (and instances), which Vigil cannot fix but an operator can.
    @Test func metricsNotKeyedByTheirServiceAreCounted() async throws {
        let cluster = try KafkaMockCluster()
        try cluster.createTopic("metrics", partitions: 2)
        let service = try Self.service(cluster, metrics: true)
        let producer = try KafkaProducer(configuration: KafkaConfiguration(bootstrapServers: cluster.bootstrapServers))
        try await service.application().test(.live) { client in
            for (key, name) in [("api", "api"), (nil, "web"), ("host-1", "db")] {
                let event = metric(service: name, value: 55, timestamp: 1_764_072_000_000)
                _ = try await producer.send(KafkaOutgoingMessage(topic: "metrics", key: key, value: Array(event.utf8)))
            }
            #expect(
                try await Self.waitUntil {
                    try await client.get("/metrics").text.contains("vigil_kafka_messages_total{result=\"processed\"} 3")
                })
            #expect(try await client.get("/metrics").text.contains("vigil_kafka_miskeyed_messages_total 2"))
        }
    }
}

extension KafkaPipelineTests {
    /// A message too large for the dead-letter topic (above the producer's message.max.bytes) is
    /// parked cut, and the partition goes on: before, it was retried for ever, holding every
    /// partition and the shutdown.
    @Test func aMessageTooLargeToParkWholeIsParkedCut() async throws {
        let cluster = try KafkaMockCluster()
        try cluster.createTopic("metrics", partitions: 1)
        let service = try Self.service(cluster, metrics: true)
        let producer = try KafkaProducer(
            configuration: KafkaConfiguration(bootstrapServers: cluster.bootstrapServers, properties: ["message.max.bytes": "3000000"]))
        try await service.application().test(.live) { client in
            let huge = Array("web|".utf8) + Array(repeating: UInt8(ascii: "z"), count: 1_500_000)
            _ = try await producer.send(KafkaOutgoingMessage(topic: "metrics", key: "web", value: huge))
            _ = try await producer.send(
                KafkaOutgoingMessage(topic: "metrics", key: "web", value: Array(metric(service: "web", value: 700, tags: Self.tags).utf8)))
            #expect(try await Self.waitUntil { try await service.pipeline.store.alerts(matching: AlertQuery(service: "web")).count == 1 })
            let parked = try await Self.read("metrics.dlq", count: 1, from: cluster)
            #expect(parked.count == 1)
            #expect(parked.first?.value == Array(huge.prefix(64 * 1024)))
            let header = parked.first?.headers.first { $0.name == "vigil-truncated-from" }
            #expect(header.map { String(decoding: $0.value, as: UTF8.self) } == String(huge.count))
            #expect(try await client.get("/metrics").text.contains("vigil_kafka_messages_total{result=\"dead_lettered\"} 1"))
        }
    }

    /// While the consumer retries a message it cannot finish (here the store refuses its alert),
    /// /health says so; once it goes on, it recovers.
    @Test func aConsumerThatCannotGoOnIsNotHealthy() async throws {
        let cluster = try KafkaMockCluster()
        try cluster.createTopic("metrics", partitions: 1)
        let service = try Self.service(cluster, metrics: true)
        let database = try DatabaseQueue(path: service.configuration.alertDatabasePath)
        try await database.write { try $0.execute(sql: "CREATE TRIGGER refuse BEFORE INSERT ON alert BEGIN SELECT RAISE(ABORT, 'disk full'); END") }
        let producer = try KafkaProducer(configuration: KafkaConfiguration(bootstrapServers: cluster.bootstrapServers))
        try await service.application().test(.live) { client in
            _ = try await producer.send(
                KafkaOutgoingMessage(topic: "metrics", key: "web", value: Array(metric(service: "web", value: 700, tags: Self.tags).utf8)))
            func kafka() async throws -> [String: Any] { try await client.get("/health").object["kafka"] as? [String: Any] ?? [:] }
            #expect(try await Self.waitUntil { try await kafka()["consumer_stalled"] != nil })
            #expect((try await kafka()["consumer_stalled"] as? String)?.contains("metric messages not processed") == true)
            #expect(try await client.get("/health").object["status"] as? String == "degraded")
            // Not /ready: every member would stall on the same message, and HTTP still works.
            #expect(try await client.get("/ready").status == .ok)
            try await database.write { try $0.execute(sql: "DROP TRIGGER refuse") }
            #expect(try await Self.waitUntil { try await service.pipeline.store.alerts(matching: AlertQuery(service: "web")).count == 1 })
            #expect(try await Self.waitUntil { try await kafka()["consumer_stalled"] == nil })
        }
    }

    /// A consumer waiting longer than `max.poll.interval.ms` (here for a store refusing writes)
    /// keeps its place in the group, and so its services' state: it pauses its partitions and
    /// polls on. Before, librdkafka put it out of the group, and the state went with the
    /// partitions.
    @Test func aLongWaitKeepsTheConsumersPlaceInTheGroup() async throws {
        let cluster = try KafkaMockCluster()
        try cluster.createTopic("metrics", partitions: 1)
        let service = try Self.service(cluster, metrics: true, properties: ["max.poll.interval.ms": "7000"])
        let assembler = try #require(service.pipeline.models.current?.assembler)
        let producer = try KafkaProducer(configuration: KafkaConfiguration(bootstrapServers: cluster.bootstrapServers))
        try await service.application().test(.live) { client in
            try await Self.feed("api", through: producer, until: assembler)
            let database = try await Self.stallOnAnAlert(service, producer: producer, client: client)
            func kafka() async throws -> [String: Any] { try await Self.kafkaHealth(client) }
            // Well past max.poll.interval.ms.
            try await Task.sleep(for: .seconds(10))
            #expect(try await kafka()["assigned_partitions"] as? Int == 1)
            try await database.write { try $0.execute(sql: "DROP TRIGGER refuse") }
            #expect(try await Self.waitUntil { try await service.pipeline.store.alerts(matching: AlertQuery(service: "web")).count == 1 })
            // Had it left the group, the partition would be revoked on its next poll and both
            // services' state dropped.
            try await Task.sleep(for: .seconds(2))
            #expect(assembler.serviceCount == 2)
            #expect(try await kafka()["assigned_partitions"] as? Int == 1)
            // It reads on.
            let next = metric(service: "db", value: 55, timestamp: 1_764_072_000_000)
            _ = try await producer.send(KafkaOutgoingMessage(topic: "metrics", key: "db", value: Array(next.utf8)))
            #expect(try await Self.waitUntil { assembler.serviceCount == 3 })
        }
    }

    /// A rebalance during a long wait (a member joins and leaves) gives the partition back from
    /// its committed offset, which the waiting round has not stored yet: the consumer goes on
    /// after what the round processed instead of processing its messages a second time.
    @Test func aRebalanceDuringALongWaitProcessesNothingTwice() async throws {
        let cluster = try KafkaMockCluster()
        try cluster.createTopic("metrics", partitions: 1)
        let group = "vigil-\(UUID().uuidString.prefix(8))"
        let service = try Self.service(cluster, metrics: true, group: group)
        let assembler = try #require(service.pipeline.models.current?.assembler)
        let producer = try KafkaProducer(configuration: KafkaConfiguration(bootstrapServers: cluster.bootstrapServers))
        try await service.application().test(.live) { client in
            try await Self.feed("api", through: producer, until: assembler)
            let database = try await Self.stallOnAnAlert(service, producer: producer, client: client)
            func kafka() async throws -> [String: Any] { try await Self.kafkaHealth(client) }

            // Another member joins (the partition is revoked, perhaps moved) and leaves again.
            let member = try KafkaConsumer(
                configuration: KafkaConfiguration(
                    bootstrapServers: cluster.bootstrapServers,
                    properties: ["group.id": group, "session.timeout.ms": "6000", "heartbeat.interval.ms": "500"]),
                topics: ["metrics"])
            #expect(
                try await Self.waitUntil(.seconds(90)) {
                    _ = try member.poll()
                    if !member.assignment.isEmpty { return true }
                    return try await kafka()["assigned_partitions"] as? Int == 0
                })
            await member.close()
            #expect(try await Self.waitUntil(.seconds(90)) { try await kafka()["assigned_partitions"] as? Int == 1 })

            try await database.write { try $0.execute(sql: "DROP TRIGGER refuse") }
            #expect(try await Self.waitUntil { try await service.pipeline.store.alerts(matching: AlertQuery(service: "web")).count == 1 })
            let next = metric(service: "db", value: 55, timestamp: 1_764_072_000_000)
            _ = try await producer.send(KafkaOutgoingMessage(topic: "metrics", key: "db", value: Array(next.utf8)))
            #expect(try await Self.waitUntil { try await client.get("/metrics").text.contains("vigil_kafka_messages_total{result=\"processed\"} 3") })
            try await Task.sleep(for: .seconds(2))
            // api, web and db once each; web's alert seen once.
            #expect(try await client.get("/metrics").text.contains("vigil_kafka_messages_total{result=\"processed\"} 3"))
            #expect(try await service.pipeline.store.alerts(matching: AlertQuery(service: "web")).first?.count == 1)
        }
    }

    /// When another member joins the group, the partitions are revoked and the per-service state
    /// built from them is dropped; messages after the rebalance rebuild it.
    @Test func aRebalanceDropsTheStateOfRevokedPartitions() async throws {
        let group = "vigil-\(UUID().uuidString.prefix(8))"
        let (cluster, service, producer, assembler) = try Self.metricsFed(partitions: 4, group: group)
        try await service.application().test(.live) { _ async throws in
            try await Self.feed("api", through: producer, until: assembler)

            // A second member joins: eager rebalancing takes every partition from the first.
            let member = try KafkaConsumer(
                configuration: KafkaConfiguration(
                    bootstrapServers: cluster.bootstrapServers,
                    properties: ["group.id": group, "session.timeout.ms": "6000", "heartbeat.interval.ms": "500"]),
                topics: ["metrics"])
            // A rebalance waits out group timeouts; on a loaded machine (tests in parallel) it can
            // take longer than the usual deadline. The drop is remembered when seen: once the
            // partitions are back, the first member may read the event again (its offset commit
            // can fail during the rebalance) and rebuild the state before the new member's
            // assignment shows.
            var dropped = false
            #expect(
                try await Self.waitUntil(.seconds(90)) {
                    _ = try member.poll()
                    dropped = dropped || assembler.serviceCount == 0
                    return dropped && !member.assignment.isEmpty
                })
            await member.close()

            // The group settles back on the first member, which rebuilds the state from new messages.
            let next = metric(service: "api", value: 56, timestamp: 1_764_072_001_000)
            _ = try await producer.send(KafkaOutgoingMessage(topic: "metrics", key: "api", value: Array(next.utf8)))
            #expect(try await Self.waitUntil(.seconds(60)) { assembler.serviceCount == 1 })
        }
    }
}

/// Another Kafka client (kcat, librdkafka's command-line tool, installed by `make test`) reads
/// what Vigil published: the alert JSON is a contract, not an implementation detail.
@Suite struct KafkaInteroperabilityTests {
    @Test func kcatReadsTheDocumentedAlertJSON() async throws {
        let kcat = ["/usr/bin/kcat", "/usr/local/bin/kcat"].first { FileManager.default.isExecutableFile(atPath: $0) }
        let path = try #require(kcat, "kcat is missing: `scripts/install-deps.sh --tests` (run by `make test`) installs it")
        let cluster = try KafkaMockCluster()
        let service = try KafkaPipelineTests.service(cluster)
        let id = try await service.application().test(.live) { client -> String in
            let response = try await client.post("/api/v1/ml/detect", json: metric(service: "payments", value: 700, tags: KafkaPipelineTests.tags))
            let id = try #require((response.object["result"] as? [String: Any])?["alert_id"] as? String)
            #expect(try await KafkaPipelineTests.waitUntil { try await service.pipeline.store.outboxCount() == 0 })
            return id
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["-b", cluster.bootstrapServers, "-C", "-t", "alerts", "-o", "beginning", "-c", "1", "-e", "-q", "-f", "%k\n%s\n"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n", maxSplits: 1)
        #expect(lines.first == "payments")
        let alert = try #require(try JSONSerialization.jsonObject(with: Data((lines.last ?? "").utf8)) as? [String: Any])
        #expect(alert["id"] as? String == id)
        for key in [
            "id", "title", "description", "severity", "source", "service", "timestamp", "metadata", "top_features", "count", "last_seen", "revision",
        ] {
            #expect(alert[key] != nil, "the alert JSON lacks \(key)")
        }
        let metadata = try #require(alert["metadata"] as? [String: Any])
        for key in ["anomalyScore", "confidence", "metric", "value", "modelType"] {
            #expect(metadata[key] != nil, "metadata lacks \(key)")
        }
    }
}

import ArgumentParser
import Foundation
import UnixSignals
import VigilKafka

/// `vigil kafka-mock`: librdkafka's mock cluster on loopback, for trying Vigil's Kafka side (and
/// benchmarking it) without a Kafka installation.
struct KafkaMockCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kafka-mock",
        abstract: "Run a throwaway Kafka-protocol cluster on 127.0.0.1 (librdkafka's mock) until stopped.",
        discussion: """
            Prints the bootstrap servers on the first line of standard output, then runs
            until SIGINT or SIGTERM. Data lives in memory only. Topics are created on
            first use (4 partitions) or with --topic NAME:PARTITIONS. SIGUSR1 takes every
            broker down (connections are refused) and SIGUSR2 brings them back: a broker
            outage on demand.
            """
    )

    @Option(help: "Mock brokers.")
    var brokers = 1

    @Option(name: .customLong("topic"), help: "Create a topic, written NAME:PARTITIONS (repeatable).")
    var topics: [String] = []

    func validate() throws {
        if !(1...9).contains(brokers) { throw ValidationError("--brokers must be 1–9") }
        for topic in topics where topic.split(separator: ":").count != 2 || !(1...10_000).contains(Int(topic.split(separator: ":")[1]) ?? 0) {
            throw ValidationError("--topic must be NAME:PARTITIONS with 1 to 10000 partitions, got '\(topic)'")
        }
    }

    func run() async throws {
        let cluster = try KafkaMockCluster(brokers: brokers)
        for topic in topics {
            let parts = topic.split(separator: ":")
            try cluster.createTopic(String(parts[0]), partitions: Int(parts[1])!)
        }
        FileHandle.standardOutput.write(Data((cluster.bootstrapServers + "\n").utf8))
        for await signal in await UnixSignalsSequence(trapping: .sigint, .sigterm, .sigusr1, .sigusr2) {
            switch signal {
            case .sigusr1:
                for broker in 1...Int32(brokers) { cluster.setBrokerDown(broker) }
                FileHandle.standardError.write(Data("kafka-mock: brokers down\n".utf8))
            case .sigusr2:
                for broker in 1...Int32(brokers) { cluster.setBrokerUp(broker) }
                FileHandle.standardError.write(Data("kafka-mock: brokers up\n".utf8))
            default:
                return
            }
        }
    }
}

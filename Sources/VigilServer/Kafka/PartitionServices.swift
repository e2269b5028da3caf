import Synchronization
import VigilKafka

/// Which services were seen on which partitions, so a revocation can drop their state.
final class PartitionServices: Sendable {
    private let map = Mutex<[KafkaPartition: Set<String>]>([:])

    func record(_ seen: [(service: String, partition: KafkaPartition)]) {
        map.withLock { map in
            for (service, partition) in seen { map[partition, default: []].insert(service) }
        }
    }

    /// Forgets and returns the services of `partitions`.
    func revoke(_ partitions: [KafkaPartition]) -> Set<String> {
        map.withLock { map in
            partitions.reduce(into: Set<String>()) { services, partition in
                services.formUnion(map.removeValue(forKey: partition) ?? [])
            }
        }
    }

    /// Forgets and returns the services of every partition not in `owned`.
    func revoke(allBut owned: Set<KafkaPartition>) -> Set<String> {
        map.withLock { map in
            let gone = map.keys.filter { !owned.contains($0) }
            return gone.reduce(into: Set<String>()) { services, partition in services.formUnion(map.removeValue(forKey: partition) ?? []) }
        }
    }
}

import Foundation

/// Runs a blocking librdkafka call (`flush`, `consumer_close`) on a thread of its own, so it
/// never holds one of the cooperative pool's few threads.
func runBlocking<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        Thread { continuation.resume(returning: work()) }.start()
    }
}

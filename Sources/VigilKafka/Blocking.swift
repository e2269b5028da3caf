import Foundation

/// Runs a blocking librdkafka call (`flush`, `consumer_close`) on a thread of its own, so it
/// never holds one of the cooperative pool's few threads.
func runBlocking<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        Thread { continuation.resume(returning: work()) }.start()
    }
}

/// Like ``runBlocking(_:)``, but stops waiting after `timeout` and returns `nil`; the call itself
/// runs on to its end on its thread (librdkafka calls cannot be interrupted). A cancelled task
/// does not wait at all: `nil` at once.
func runBlocking<T: Sendable>(timeout: Duration, _ work: @escaping @Sendable () -> T) async -> T? {
    let outcome = AsyncStream<T?>.makeStream(bufferingPolicy: .bufferingOldest(1))
    Thread { outcome.continuation.yield(work()) }.start()
    let timer = Task {
        try? await Task.sleep(for: timeout)
        outcome.continuation.yield(nil)
    }
    defer { timer.cancel() }
    for await result in outcome.stream { return result }
    return nil
}

extension Duration {
    /// The whole milliseconds of a timeout, as librdkafka takes them.
    ///
    /// A negative duration is 0 (librdkafka reads -1 as "wait for ever"); a longer one than
    /// Int32 milliseconds hold is their largest.
    var librdkafkaMilliseconds: Int32 {
        let milliseconds = Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15
        return Int32(max(0, min(milliseconds, Double(Int32.max))))
    }
}

import CRdKafka
import Foundation
import Synchronization

/// A Kafka producer: queues messages, and reports each one's delivery exactly once.
///
/// Idempotent by default (`enable.idempotence=true`: no duplicates from librdkafka's own
/// retries). The producer serves its own delivery reports: a task polls librdkafka without
/// blocking (sleeping briefly when idle) for as long as the producer exists. ``flush(timeout:)``
/// waits for what is queued. ``brokerState`` follows the brokers while nothing is sent too (a
/// ``BrokerWatch`` asks them whenever it is not `connected`), and says `failing` when
/// deliveries time out until one gets through.
///
/// - Important: delivery handlers run on that polling task (or in a waiting `flush`); keep them
///   short.
public final class KafkaProducer: Sendable {
    private let client: ClientHandle
    private let router: DeliveryRouter
    private let polling: Task<Void, Never>
    private let watch: BrokerWatch

    /// - Parameter log: receives librdkafka's log lines (`nil`: it prints them to standard error).
    public init(configuration: KafkaConfiguration, log: KafkaLogHandler? = nil) throws(KafkaError) {
        var configuration = configuration
        if configuration["enable.idempotence"] == nil { configuration["enable.idempotence"] = "true" }
        if configuration["linger.ms"] == nil { configuration["linger.ms"] = "5" }
        let conf = try configuration.makeConf()
        let router = DeliveryRouter(log: log)
        rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(router).toOpaque())
        router.installCallbacks(on: conf)
        rd_kafka_conf_set_dr_msg_cb(conf) { _, message, opaque in
            guard let message, let opaque else { return }
            Unmanaged<DeliveryRouter>.fromOpaque(opaque).takeUnretainedValue().deliver(message)
        }
        self.router = router
        let client = ClientHandle(try makeClient(RD_KAFKA_PRODUCER, conf: conf), context: router)
        self.client = client
        self.watch = BrokerWatch(client: client, broker: router.broker, interval: configuration.brokerProbeInterval)
        // The task holds the client, not the producer: the client is destroyed once both are done.
        polling = Task.detached {
            while !Task.isCancelled {
                if rd_kafka_poll(client.handle, 0) == 0 { try? await Task.sleep(for: .milliseconds(5)) }
            }
        }
    }

    deinit {
        polling.cancel()
        watch.stop()
    }

    /// What the producer last learned about its brokers.
    public var brokerState: BrokerState { router.broker.state }

    /// Messages queued or in flight, not yet reported (librdkafka's out-queue length, which also
    /// counts callbacks waiting to be served, such as an error event).
    public var queueDepth: Int { Int(rd_kafka_outq_len(client.handle)) }

    /// Queues `message`; `onDelivery` is called once with the outcome, from the producer's
    /// polling task (or from a ``flush(timeout:)`` that is waiting).
    ///
    /// - Throws: ``KafkaError`` when the message cannot even be queued (a full queue is retriable).
    public func send(_ message: KafkaOutgoingMessage, onDelivery: @escaping @Sendable (Result<KafkaDeliveryReport, KafkaError>) -> Void)
        throws(KafkaError)
    {
        let id = router.register(onDelivery)
        do {
            try produce(message, id: id)
        } catch {
            router.cancel(id)
            throw error
        }
    }

    /// Queues `message` and waits for its delivery report. Cancelling the task stops the wait
    /// (the message may still be delivered) and throws.
    public func send(_ message: KafkaOutgoingMessage) async throws(KafkaError) -> KafkaDeliveryReport {
        let outcome = DeliveryOutcome()
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Result<KafkaDeliveryReport, KafkaError>, Never>) in
                outcome.wait(continuation)
                do throws(KafkaError) {
                    try send(message) { outcome.resolve($0) }
                } catch {
                    outcome.resolve(.failure(error))
                }
            }
        } onCancel: {
            outcome.resolve(.failure(KafkaError(.delivery, message: "stopped waiting for the delivery report (cancelled)")))
        }
        return try result.get()
    }

    private func produce(_ message: KafkaOutgoingMessage, id: UInt64) throws(KafkaError) {
        // Every pointer handed to librdkafka lives until the call returns; it copies what it keeps
        // (RD_KAFKA_MSG_F_COPY for the payload and key, always for headers).
        var allocations: [UnsafeMutableRawPointer] = []
        defer { allocations.forEach { free($0) } }
        func copy(_ bytes: [UInt8]) -> UnsafeMutableRawPointer {
            let pointer = malloc(max(bytes.count, 1))!
            bytes.withUnsafeBytes { pointer.copyMemory(from: $0.baseAddress ?? UnsafeRawPointer(pointer), byteCount: bytes.count) }
            allocations.append(pointer)
            return pointer
        }
        func cString(_ text: String) -> UnsafePointer<CChar> {
            let pointer = strdup(text)!
            allocations.append(UnsafeMutableRawPointer(pointer))
            return UnsafePointer(pointer)
        }
        var values: [rd_kafka_vu_t] = []
        func add(_ type: rd_kafka_vtype_t, _ fill: (inout rd_kafka_vu_t) -> Void) {
            var value = rd_kafka_vu_t()
            value.vtype = type
            fill(&value)
            values.append(value)
        }
        add(RD_KAFKA_VTYPE_TOPIC) { $0.u.cstr = cString(message.topic) }
        add(RD_KAFKA_VTYPE_VALUE) {
            $0.u.mem.ptr = copy(message.value)
            $0.u.mem.size = message.value.count
        }
        if let key = message.key {
            let bytes = Array(key.utf8)
            add(RD_KAFKA_VTYPE_KEY) {
                $0.u.mem.ptr = copy(bytes)
                $0.u.mem.size = bytes.count
            }
        }
        add(RD_KAFKA_VTYPE_MSGFLAGS) { $0.u.i = RD_KAFKA_MSG_F_COPY }
        add(RD_KAFKA_VTYPE_OPAQUE) { $0.u.ptr = UnsafeMutableRawPointer(bitPattern: UInt(id)) }
        for header in message.headers {
            add(RD_KAFKA_VTYPE_HEADER) {
                $0.u.header.name = cString(header.name)
                $0.u.header.val = UnsafeRawPointer(copy(header.value))
                $0.u.header.size = header.value.count
            }
        }
        if let error = rd_kafka_produceva(client.handle, values, values.count) {
            defer { rd_kafka_error_destroy(error) }
            throw KafkaError(.delivery, code: rd_kafka_error_code(error).rawValue, message: String(cString: rd_kafka_error_string(error)))
        }
    }

    /// Waits (up to `timeout`, on a thread of its own) until every queued message is
    /// delivered or failed; their reports are served meanwhile.
    @discardableResult
    public func flush(timeout: Duration = .seconds(10)) async -> Bool {
        let client = self.client
        let milliseconds = timeout.librdkafkaMilliseconds
        return await runBlocking { rd_kafka_flush(client.handle, milliseconds) == RD_KAFKA_RESP_ERR_NO_ERROR }
    }
}

/// An `rd_kafka_t`, destroyed with its owner. librdkafka handles are thread-safe.
///
/// It keeps the client's opaque object (its callbacks' context) alive: librdkafka may call back
/// until `rd_kafka_destroy` returns (a log line from one of its threads, a report from a poll
/// still running in a task that holds this handle), which may be after the Swift client is gone.
final class ClientHandle: @unchecked Sendable {
    let handle: OpaquePointer
    private let context: any ClientContext

    init(_ handle: OpaquePointer, context: any ClientContext) {
        self.handle = handle
        self.context = context
    }

    /// `rd_kafka_destroy` waits for librdkafka's threads (and, for a consumer never closed, for
    /// it to leave its group, however long the brokers take): on a thread of its own, so that
    /// the last release, wherever it happens, never holds one of the cooperative pool's threads.
    deinit {
        let remains = Remains(handle: handle, context: context)
        Thread { withExtendedLifetime(remains.context) { rd_kafka_destroy(remains.handle) } }.start()
    }

    /// What the destroying thread takes over: the handle, used by that thread alone from then on.
    private struct Remains: @unchecked Sendable {
        let handle: OpaquePointer
        let context: any ClientContext
    }
}

/// One delivery's outcome, from its report or from a cancellation, whichever comes first: the
/// waiting continuation is resumed exactly once.
final class DeliveryOutcome: Sendable {
    typealias Outcome = Result<KafkaDeliveryReport, KafkaError>
    /// The continuation while it waits, and the outcome once there is one (the first wins).
    private let state = Mutex<(waiter: CheckedContinuation<Outcome, Never>?, outcome: Outcome?)>((nil, nil))

    func wait(_ continuation: CheckedContinuation<Outcome, Never>) {
        let ready = state.withLock { state -> Outcome? in
            if state.outcome == nil { state.waiter = continuation }
            return state.outcome
        }
        if let ready { continuation.resume(returning: ready) }
    }

    func resolve(_ outcome: Outcome) {
        let waiter = state.withLock { state -> CheckedContinuation<Outcome, Never>? in
            guard state.outcome == nil else { return nil }
            state.outcome = outcome
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: outcome)
    }
}

/// Routes delivery reports to the handlers registered for each message id.
final class DeliveryRouter: ClientContext {
    typealias Handler = @Sendable (Result<KafkaDeliveryReport, KafkaError>) -> Void
    private let handlers = Mutex<(next: UInt64, pending: [UInt64: Handler])>((1, [:]))
    let broker = BrokerStateBox()
    let log: KafkaLogHandler?

    init(log: KafkaLogHandler?) {
        self.log = log
    }

    func register(_ handler: @escaping Handler) -> UInt64 {
        handlers.withLock { state in
            let id = state.next
            state.next += 1
            state.pending[id] = handler
            return id
        }
    }

    func cancel(_ id: UInt64) {
        _ = handlers.withLock { $0.pending.removeValue(forKey: id) }
    }

    /// Called by librdkafka (from `rd_kafka_poll`) once per message.
    func deliver(_ message: UnsafePointer<rd_kafka_message_t>) {
        let raw = message.pointee
        let id = UInt64(UInt(bitPattern: raw._private))
        guard let handler = handlers.withLock({ $0.pending.removeValue(forKey: id) }) else { return }
        if raw.err == RD_KAFKA_RESP_ERR_NO_ERROR {
            broker.set(.connected, fromTraffic: true)
            handler(.success(KafkaDeliveryReport(topic: String(cString: rd_kafka_topic_name(raw.rkt)), partition: raw.partition, offset: raw.offset)))
        } else {
            let error = KafkaError(.delivery, error: raw.err, context: "delivery failed")
            // Timeouts and lost connections are the brokers' state; a message too large is not.
            if error.isRetriable { broker.set(.failing(error.message), fromTraffic: true) }
            handler(.failure(error))
        }
    }
}

import Foundation
import HummingbirdTesting
import Testing
import VigilServer

/// What the HTTP server does with connections that stop sending.
@Suite struct ConnectionTests {
    /// A client that sends a request's head and then nothing more (a stalled upload) is cut
    /// off after the idle timeout, instead of holding its connection (and a shutdown) for ever.
    @Test func aStalledUploadIsClosedAfterTheIdleTimeout() async throws {
        let service = try TestService.make { $0.idleTimeout = .seconds(1) }
        try await service.application().test(.live) { client in
            let port = try #require(client.port)
            let socket = try Self.connected(to: port)
            defer { close(socket) }
            let head = Array("POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{".utf8)
            #expect(send(socket, head, head.count, 0) == head.count)
            // The server closes the connection: recv sees the end (0) or a reset, well before 10 s.
            let started = ContinuousClock.now
            var buffer = [UInt8](repeating: 0, count: 1024)
            var received = 0
            repeat { received = recv(socket, &buffer, buffer.count, 0) } while received > 0
            let waited = ContinuousClock.now - started
            #expect(waited < .seconds(5), "closed after \(waited)")
        }
    }

    /// A client asking `Expect: 100-continue` (curl, for bodies over 1 MiB) is told to go on at
    /// once, instead of waiting a second before it sends the body anyway.
    @Test func expectContinueIsAnsweredBeforeTheBody() async throws {
        let service = try TestService.make()
        try await service.application().test(.live) { client in
            let socket = try Self.connected(to: try #require(client.port))
            defer { close(socket) }
            let head = Array(
                "POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n".utf8)
            #expect(send(socket, head, head.count, 0) == head.count)
            var buffer = [UInt8](repeating: 0, count: 256)
            let received = recv(socket, &buffer, buffer.count, 0)
            #expect(String(decoding: buffer.prefix(max(0, received)), as: UTF8.self).hasPrefix("HTTP/1.1 100 Continue"))
        }
    }

    /// A client that resets its connection in the middle of a body is the client's doing: no
    /// 500 is counted (a 5xx alert would fire), and the server answers the next request.
    @Test func aConnectionResetMidBodyIsNoServerError() async throws {
        let service = try TestService.make()
        try await service.application().test(.live) { client in
            let socket = try Self.connected(to: try #require(client.port))
            var linger = Foundation.linger(l_onoff: 1, l_linger: 0)  // close() then sends a reset
            setsockopt(socket, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Foundation.linger>.size))
            let head = Array(
                "POST /api/v1/ml/detect/batch HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n[{\"cpu_usage\":1},"
                    .utf8)
            #expect(send(socket, head, head.count, 0) == head.count)
            try await Task.sleep(for: .milliseconds(200))
            close(socket)
            try await Task.sleep(for: .milliseconds(300))
            let metrics = try await client.get("/metrics").text
            #expect(!metrics.contains("status=\"500\""), "\(metrics.split(separator: "\n").filter { $0.contains("status=\"500\"") })")
            #expect(try await client.post("/predict", json: normalVector).status == .ok)
        }
    }

    /// A request that is not valid HTTP (two lengths, a header without a name) is refused with a
    /// JSON 400 that says so, as every refusal is, not an empty one.
    @Test(arguments: [
        "POST /predict HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
        "GET /health HTTP/1.1\r\nHost: x\r\n: nameless\r\n\r\n",
    ])
    func aMalformedRequestGetsAJSON400(request: String) async throws {
        let service = try TestService.make()
        try await service.application().test(.live) { client in
            let socket = try Self.connected(to: try #require(client.port))
            defer { close(socket) }
            let bytes = Array(request.utf8)
            #expect(send(socket, bytes, bytes.count, 0) == bytes.count)
            let text = Self.readToEnd(socket)
            #expect(text.hasPrefix("HTTP/1.1 400"), "\(text)")
            #expect(text.lowercased().contains("content-type: application/json"))
            #expect(text.contains("\"code\":\"malformed_request\""))
            #expect(text.contains("not valid HTTP/1.1"))
            // The server goes on.
            #expect(try await client.get("/health").status == .ok)
        }
    }

    /// A bad request pipelined behind a good one is left to Hummingbird: Vigil's own 400 does not
    /// jump ahead of the good one's answer. (Hummingbird answers the good one first, or, when the
    /// error reaches it first on a loaded machine, ends the connection without an answer.)
    @Test func aMalformedRequestBehindAGoodOneIsAnsweredAfterIt() async throws {
        let service = try TestService.make()
        try await service.application().test(.live) { client in
            let socket = try Self.connected(to: try #require(client.port))
            defer { close(socket) }
            let bytes = Array(
                "GET /health HTTP/1.1\r\nHost: x\r\n\r\nPOST /predict HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n".utf8)
            #expect(send(socket, bytes, bytes.count, 0) == bytes.count)
            let text = Self.readToEnd(socket)
            #expect(!text.contains("malformed_request"), "\(text)")
            #expect(text.isEmpty || text.hasPrefix("HTTP/1.1 200"), "\(text)")
        }
    }

    /// A client that declares a body over the endpoint's limit and asks before sending it gets
    /// 413 at once, not `100 Continue` and a refusal after its first megabyte.
    @Test func aDeclaredBodyOverTheLimitIsRefusedBeforeItIsSent() async throws {
        let service = try TestService.make()
        try await service.application().test(.live) { client in
            let socket = try Self.connected(to: try #require(client.port))
            defer { close(socket) }
            let head = Array(
                "POST //api/v1/ml/detect/batch HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 50000000\r\nExpect: 100-continue\r\n\r\n"
                    .utf8)
            #expect(send(socket, head, head.count, 0) == head.count)
            let text = Self.readToEnd(socket)
            #expect(text.hasPrefix("HTTP/1.1 413"), "\(text)")
            #expect(text.contains("limit of 16 MiB (--batch-body-limit)"))
            #expect(try await client.get("/health").status == .ok)
        }
    }

    /// An HTTP/1.0 request without keep-alive (a simple probe) has its connection closed after
    /// the answer, as HTTP/1.0 expects, not held until the idle timeout; with keep-alive, or
    /// over HTTP/1.1, the connection stays.
    @Test func anHTTP10ConnectionClosesAfterItsAnswer() async throws {
        let service = try TestService.make()
        try await service.application().test(.live) { client in
            let port = try #require(client.port)
            // On a thread of its own: the server answers on the task pool, which a blocked read
            // must not hold (it has two threads on two cores). Whether the server closed the
            // connection is read from the socket (the end, 0), not from a time, so a loaded
            // machine's slow answer does not fail the test.
            func answer(_ request: String) async throws -> (text: String, closed: Bool) {
                try await withCheckedThrowingContinuation { continuation in
                    Thread {
                        continuation.resume(
                            with: Result {
                                let socket = try Self.connected(to: port, timeout: 20)
                                defer { close(socket) }
                                let bytes = Array(request.utf8)
                                guard send(socket, bytes, bytes.count, 0) == bytes.count else { throw POSIXError(.EPIPE) }
                                var answer: [UInt8] = []
                                var buffer = [UInt8](repeating: 0, count: 4096)
                                // The whole answer first (its body ends with the JSON's last brace)…
                                while answer.last != UInt8(ascii: "}") {
                                    let received = recv(socket, &buffer, buffer.count, 0)
                                    guard received > 0 else { return (String(decoding: answer, as: UTF8.self), received == 0) }
                                    answer += buffer.prefix(received)
                                }
                                // …then, within 3 s, the end of the connection or nothing.
                                var timeout = timeval(tv_sec: 3, tv_usec: 0)
                                setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
                                return (String(decoding: answer, as: UTF8.self), recv(socket, &buffer, buffer.count, 0) == 0)
                            })
                    }.start()
                }
            }
            let plain = try await answer("GET /health HTTP/1.0\r\n\r\n")
            #expect(plain.text.contains("\"status\":\"healthy\""))
            #expect(plain.text.lowercased().contains("\r\nconnection: close\r\n"), "\(plain.text)")
            #expect(plain.closed)
            for request in ["GET /health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", "GET /health HTTP/1.1\r\nHost: x\r\n\r\n"] {
                let kept = try await answer(request)
                #expect(kept.text.contains("\"status\":\"healthy\""), "\(request)")
                #expect(!kept.closed, "\(request)")
                #expect(!kept.text.lowercased().contains("connection: close"), "\(request)")
                // An HTTP/1.0 client keeps the connection only when the answer says so.
                #expect(kept.text.lowercased().contains("\r\nconnection: keep-alive\r\n") == request.contains("HTTP/1.0"), "\(request)")
            }
        }
    }

    /// Everything the server sends on `socket` until it closes the connection (or 10 s pass).
    static func readToEnd(_ socket: Int32) -> String {
        var answer: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let received = recv(socket, &buffer, buffer.count, 0)
            guard received > 0 else { break }
            answer += buffer.prefix(received)
        }
        return String(decoding: answer, as: UTF8.self)
    }

    /// A TCP connection to 127.0.0.1:`port`, with a receive timeout (10 s unless given).
    static func connected(to port: Int, timeout seconds: Int = 10) throws -> Int32 {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            close(socket)
            throw POSIXError(.ECONNREFUSED)
        }
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return socket
    }
}

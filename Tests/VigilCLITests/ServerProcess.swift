import Foundation
import Synchronization

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A `vigil serve` process on a free loopback port, for end-to-end tests. It stops itself
/// (SIGKILL) when released, so a failing test never leaves a server behind.
final class ServerProcess: Sendable {
    let process: Process
    let port: Int
    private let log: LogBuffer

    struct StartError: Error, CustomStringConvertible {
        let description: String
    }

    /// Starts `vigil serve --host 127.0.0.1 --port 0 …` and waits until it listens.
    init(arguments: [String], environment: [String: String] = [:], timeout: Duration = .seconds(60)) throws {
        let process = Process()
        process.executableURL = VigilRunner.binary
        process.arguments = ["serve", "--host", "127.0.0.1", "--port", "0"] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        let log = LogBuffer()
        errors.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if !data.isEmpty { log.text.withLock { $0 += String(decoding: data, as: UTF8.self) } }
        }
        try process.run()
        self.process = process
        self.log = log
        let deadline = ContinuousClock.now + timeout
        var port: Int?
        while port == nil, ContinuousClock.now < deadline, process.isRunning {
            port = log.text.withLock { Self.listeningPort(in: $0) }
            if port == nil { Thread.sleep(forTimeInterval: 0.05) }
        }
        guard let port else {
            process.terminate()
            throw StartError(description: "vigil serve did not start: \(log.text.withLock { $0 })")
        }
        self.port = port
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    private static func listeningPort(in log: String) -> Int? {
        guard let range = log.range(of: "listening on http://127.0.0.1:") else { return nil }
        return Int(log[range.upperBound...].prefix { $0.isNumber })
    }

    var output: String { log.text.withLock { $0 } }

    /// Sends `signal` and waits for the exit status.
    func stop(with signal: Int32, timeout: Duration = .seconds(30)) -> Int32? {
        kill(process.processIdentifier, signal)
        let deadline = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.05) }
        return process.isRunning ? nil : process.terminationStatus
    }

    /// One HTTP exchange with the server: status and body.
    func request(_ method: String, _ path: String, json: String? = nil) async throws -> (status: Int, body: [String: Any]) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = method
        if let json {
            request.httpBody = Data(json.utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        let body = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        return ((response as! HTTPURLResponse).statusCode, body)
    }

    /// Polls `/ready` until it answers 200.
    func waitUntilReady(timeout: Duration = .seconds(120)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if (try? await request("GET", "/ready"))?.status == 200 { return }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw StartError(description: "not ready in time: \(output)")
    }
}

/// The server's standard error so far, filled from the pipe's reader thread.
final class LogBuffer: Sendable {
    let text = Mutex("")
}

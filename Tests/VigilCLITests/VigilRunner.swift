import Foundation

/// Runs the built `vigil` executable, as a user would from a shell.
struct VigilRunner {
    struct Result {
        var status: Int32
        var output: String
        var error: String
    }

    /// The `vigil` binary beside the test bundle (`swift build` puts both in one directory).
    static let binary: URL = {
        if let path = ProcessInfo.processInfo.environment["VIGIL_BINARY"] { return URL(fileURLWithPath: path) }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/vigil")
    }()

    /// Runs `vigil` with `arguments`; with `timeout` (seconds), through coreutils' `timeout`, so a
    /// run that should fail fast but does not (a server that started) ends with status 124;
    /// `environment` adds to (or replaces in) this process' environment.
    static func run(
        _ arguments: [String], input: String? = nil, timeout: Int? = nil, environment: [String: String] = [:], directory: String? = nil
    ) throws -> Result {
        let process = Process()
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        if let timeout {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
            process.arguments = ["\(timeout)", binary.path] + arguments
        } else {
            process.executableURL = binary
            process.arguments = arguments
        }
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        let inputPipe = Pipe()
        process.standardInput = input == nil ? FileHandle.nullDevice : inputPipe
        try process.run()
        if let input {
            inputPipe.fileHandleForWriting.write(Data(input.utf8))
            try inputPipe.fileHandleForWriting.close()
        }
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, output: String(decoding: outputData, as: UTF8.self), error: String(decoding: errorData, as: UTF8.self))
    }

    static func temporaryDirectory() -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-cli-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url.path
    }
}

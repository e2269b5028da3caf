import Foundation

/// Where the CLI writes: results to standard output (buffered), messages to standard error.
///
/// - Important: not thread-safe; the CLI writes from one task.
final class Console {
    private var buffer = Data()
    private let flushThreshold = 1 << 16

    /// Appends one line to standard output, flushing when the buffer is large.
    func output(_ line: String) {
        buffer.append(contentsOf: line.utf8)
        buffer.append(UInt8(ascii: "\n"))
        if buffer.count >= flushThreshold { flush() }
    }

    func flush() {
        guard !buffer.isEmpty else { return }
        FileHandle.standardOutput.write(buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    deinit { flush() }

    /// Writes `text` to standard error as it is (no newline added).
    static func message(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// Writes one line to standard error.
    static func note(_ line: String) {
        message(line + "\n")
    }

    /// Whether standard error is a terminal (live progress) or a file or pipe (plain lines).
    static var errorIsTerminal: Bool { isatty(2) == 1 }
}

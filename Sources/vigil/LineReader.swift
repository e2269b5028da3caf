import Foundation

/// Reads a file or standard input line by line, in large chunks, without loading it whole.
struct LineReader {
    private let handle: FileHandle
    private var buffer = Data()
    private var finished = false
    /// The 1-based number of the last line returned.
    private(set) var lineNumber = 0

    init(handle: FileHandle) {
        self.handle = handle
    }

    /// The next line without its terminator (`\n` or `\r\n`), or `nil` at the end.
    mutating func next() throws -> String? {
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                var line = buffer[buffer.startIndex..<newline]
                if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
                let text = String(decoding: line, as: UTF8.self)
                buffer.removeSubrange(buffer.startIndex...newline)
                lineNumber += 1
                return text
            }
            if finished {
                guard !buffer.isEmpty else { return nil }
                let text = String(decoding: buffer, as: UTF8.self)
                buffer.removeAll()
                lineNumber += 1
                return text
            }
            let chunk = try handle.read(upToCount: 1 << 20) ?? Data()
            if chunk.isEmpty { finished = true } else { buffer.append(chunk) }
        }
    }
}

import Foundation

/// Reads a file or standard input line by line, in large chunks, without loading it whole.
struct LineReader {
    private let handle: FileHandle
    /// Bytes read but not yet returned start at ``position``; the bytes before it are dropped
    /// only when the next chunk is read, so each line costs its own length, not the chunk's.
    private var buffer: [UInt8] = []
    private var position = 0
    private var finished = false
    /// The 1-based number of the last line returned.
    private(set) var lineNumber = 0

    /// How much is read at a time.
    static let chunkSize = 1 << 20

    init(handle: FileHandle) {
        self.handle = handle
    }

    /// The next line without its terminator (`\n` or `\r\n`), or `nil` at the end.
    mutating func next() throws -> String? {
        while true {
            if let newline = buffer[position...].firstIndex(of: UInt8(ascii: "\n")) {
                var end = newline
                if end > position, buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                let text = line(position..<end)
                position = newline + 1
                return text
            }
            if finished {
                guard position < buffer.count else { return nil }
                let text = line(position..<buffer.count)
                position = buffer.count
                return text
            }
            let chunk = try handle.read(upToCount: Self.chunkSize) ?? Data()
            if chunk.isEmpty {
                finished = true
            } else {
                buffer.removeSubrange(0..<position)
                position = 0
                buffer.append(contentsOf: chunk)
            }
        }
    }

    /// The text of the next line, at `range` of the buffer; a file's UTF-8 byte order mark (as
    /// spreadsheets write it) is not part of its first line.
    private mutating func line(_ range: Range<Int>) -> String {
        lineNumber += 1
        var start = range.lowerBound
        if lineNumber == 1, range.count >= 3, buffer[start..<start + 3].elementsEqual([0xEF, 0xBB, 0xBF]) { start += 3 }
        return String(decoding: buffer[start..<range.upperBound], as: UTF8.self)
    }
}

public import Foundation

/// Reads a file or standard input line by line (see ``LineEnding``), in large chunks, without
/// loading it whole: `vigil score`'s input.
public struct LineReader {
    private let handle: FileHandle
    /// Bytes read but not yet returned start at ``position``; the bytes before it are dropped
    /// only when the next chunk is read, so each line costs its own length, not the chunk's.
    private var buffer: [UInt8] = []
    private var position = 0
    /// Where the search for the next line end resumes: a line longer than a chunk is scanned
    /// once, not once per chunk.
    private var scanned = 0
    private var finished = false
    /// The 1-based number of the last line returned.
    public private(set) var lineNumber = 0
    /// How much is read at a time.
    private let chunkSize: Int

    /// What is read, as errors name it (a path, or "standard input").
    private let source: String
    /// The longest line taken: a file with no line ends (a binary file, `/dev/zero`) is refused
    /// instead of read into memory whole.
    public static let maximumLineLength = 16 << 20

    public init(handle: FileHandle, source: String, chunkSize: Int = 1 << 20) {
        precondition(chunkSize >= 1, "read at least one byte at a time")
        self.handle = handle
        self.source = source
        self.chunkSize = chunkSize
    }

    /// The next line without its terminator, or `nil` at the end.
    /// - Throws: ``DatasetError/unreadable(path:reason:)`` when reading fails (a directory on
    ///   standard input, a closed one) or a line is longer than ``maximumLineLength``.
    public mutating func next() throws(DatasetError) -> String? {
        while true {
            if let end = LineEnding.first(in: buffer[scanned...], more: !finished) {
                let text = line(position..<end.text)
                position = end.next
                scanned = end.next
                return text
            }
            // Nothing up to the last byte ends a line (but a "\r" there may, with what follows).
            scanned = max(position, buffer.count - 1)
            if finished {
                guard position < buffer.count else { return nil }
                let text = line(position..<buffer.count)
                position = buffer.count
                return text
            }
            guard buffer.count - position <= Self.maximumLineLength else { throw .lineTooLong(path: source, line: lineNumber + 1) }
            let chunk: Data
            do {
                chunk = try handle.read(upToCount: chunkSize) ?? Data()
            } catch {
                throw .unreadable(path: source, reason: DatasetError.reason(error))
            }
            if chunk.isEmpty {
                finished = true
            } else {
                buffer.removeSubrange(0..<position)
                scanned -= position
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

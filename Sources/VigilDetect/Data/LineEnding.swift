/// Where a line of a CSV or NDJSON file ends: at `\n`, `\r\n` or a lone `\r` (as old Mac
/// software wrote them). Shared by whole-file reading (``CSVDatasetReader``) and `vigil score`'s
/// streaming reader, so that both see the same lines.
public enum LineEnding {
    /// The first line end in `bytes`: where that line's text ends and where the next line
    /// starts. `nil` when `bytes` holds none, or when it ends in a `\r` whose `\n` may still
    /// come (`more`: the bytes are not all there yet).
    public static func first<Bytes: Collection<UInt8>>(in bytes: Bytes, more: Bool) -> (text: Bytes.Index, next: Bytes.Index)? {
        guard let end = bytes.firstIndex(where: { $0 == newline || $0 == carriageReturn }) else { return nil }
        let after = bytes.index(after: end)
        guard bytes[end] == carriageReturn else { return (end, after) }
        if after == bytes.endIndex { return more ? nil : (end, after) }
        return (end, bytes[after] == newline ? bytes.index(after: after) : after)
    }

    /// The lines of a whole text (a leading UTF-8 byte order mark, as spreadsheets write it,
    /// left out), split where ``first(in:more:)`` splits them: the line numbered n is at n − 1.
    public static func lines(of text: String) -> [Substring] {
        let utf8 = text.utf8
        var start = utf8.startIndex
        if utf8.starts(with: [0xEF, 0xBB, 0xBF]) { start = utf8.index(start, offsetBy: 3) }
        var lines: [Substring] = []
        // Byte by byte: Foundation's line enumeration goes through UTF-16 and costs more than
        // all the parsing; and Swift's Characters would take "\r\n" for one.
        while start != utf8.endIndex {
            let end = first(in: utf8[start...], more: false) ?? (utf8.endIndex, utf8.endIndex)
            lines.append(text[start..<end.text])
            start = end.next
        }
        return lines
    }

    private static let newline = UInt8(ascii: "\n")
    private static let carriageReturn = UInt8(ascii: "\r")
}

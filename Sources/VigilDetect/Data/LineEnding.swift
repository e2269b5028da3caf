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

    private static let newline = UInt8(ascii: "\n")
    private static let carriageReturn = UInt8(ascii: "\r")
}

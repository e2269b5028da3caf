import Foundation
public import Logging

/// Log lines on standard error: readable text on a terminal, or one JSON object per line
/// (`--log-format json`) for log shippers.
public struct VigilLogHandler: LogHandler {
    public enum Format: String, Sendable, CaseIterable {
        case text, json
    }

    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    public let label: String
    public let format: Format

    public init(label: String, format: Format) {
        self.label = label
        self.format = format
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        let time = Date().formatted(.iso8601)
        let line: String
        switch format {
        case .text:
            let fields = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            line = "\(time) \(event.level) \(label): \(event.message)\(fields.isEmpty ? "" : " " + fields)\n"
        case .json:
            line =
                String(
                    decoding: Self.json(time: time, level: event.level, label: label, message: "\(event.message)", metadata: merged), as: UTF8.self)
                + "\n"
        }
        FileHandle.standardError.write(Data(line.utf8))
    }

    /// One JSON log line (without its newline). Metadata given as numbers
    /// (`.stringConvertible(count)`) stays numbers, nested metadata stays nested; the rest is text.
    static func json(time: String, level: Logger.Level, label: String, message: String, metadata: Logger.Metadata) -> Data {
        var object: [String: Any] = ["time": time, "level": level.rawValue, "logger": label, "message": message]
        for (key, value) in metadata where object[key] == nil { object[key] = jsonValue(value) }
        return (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
    }

    private static func jsonValue(_ value: Logger.Metadata.Value) -> Any {
        switch value {
        case .string(let text): return text
        case .stringConvertible(let convertible):
            switch convertible {
            case let number as any BinaryInteger: return NSNumber(value: Int64(clamping: number))
            case let number as Double where number.isFinite: return NSNumber(value: number)
            case let flag as Bool: return flag
            default: return convertible.description
            }
        case .dictionary(let dictionary): return dictionary.mapValues(jsonValue)
        case .array(let array): return array.map(jsonValue)
        }
    }
}

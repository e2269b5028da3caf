/// Watches CSV rows for what breaks "one series in time order", which a model with a window or
/// baseline assumes: several values in a `service` column, or a `timestamp` (or `time`) that goes
/// backwards.
public struct SeriesOrderCheck: Sendable {
    private let delimiter: Character
    private let servicePosition: Int?
    private let timePosition: Int?
    private var previousTime: String?
    /// The distinct services seen.
    public private(set) var services = Set<String>()
    /// The first line whose time is earlier than the line before it.
    public private(set) var firstOutOfOrderLine: Int?

    /// `nil` when the header has neither a `service` nor a time column: nothing to check.
    public init?(layout: CSVLayout) {
        servicePosition = layout.header.firstIndex { $0.lowercased() == "service" }
        timePosition = layout.header.firstIndex { ["timestamp", "time"].contains($0.lowercased()) }
        guard servicePosition != nil || timePosition != nil else { return nil }
        delimiter = layout.delimiter
    }

    /// Whether the rows so far are one series in time order.
    public var isOneSeries: Bool { services.count <= 1 && firstOutOfOrderLine == nil }

    public mutating func observe(_ line: String, lineNumber: Int) {
        let fields = CSVLayout.split(line, delimiter: delimiter)
        if let servicePosition, fields.count > servicePosition { services.insert(String(fields[servicePosition].trimmingSpaces)) }
        if let timePosition, fields.count > timePosition {
            let time = String(fields[timePosition].trimmingSpaces)
            if let previousTime, firstOutOfOrderLine == nil, Self.isEarlier(time, than: previousTime) { firstOutOfOrderLine = lineNumber }
            previousTime = time
        }
    }

    /// Whether time `a` comes before `b`: as numbers when both are, else as text (ISO 8601 times
    /// of one format sort so).
    static func isEarlier(_ a: String, than b: String) -> Bool {
        if let x = Double(a), let y = Double(b) { return x < y }
        return a < b
    }
}

import Foundation

/// Watches an input for a row that comes before the end of its series' `--history`. The history
/// must be the rows just before the input; a later file given by mistake fills the windows,
/// baselines and seasons with the wrong past, and every score after it is off.
public struct HistoryOverlap: Sendable {
    /// Each history series' latest time (the unnamed series under `""`), until the input's
    /// first row of that series is seen.
    private var latest: [String: Double] = [:]
    /// The first input row found earlier than its history's end: where, its time, and the end.
    private(set) var first: (row: String, time: Double, end: Double)?
    /// Whether an input row has been seen.
    private var observedAny = false

    /// The history's rows' `times` (seconds; NaN unknown) and `services`.
    public init(times: [Double]?, services: [String]?) {
        guard let times else { return }
        for (index, time) in times.enumerated() where time.isFinite {
            let service = services?[index] ?? ""
            latest[service] = max(latest[service] ?? -.infinity, time)
        }
    }

    /// One input row: `row` names it in a message ("line 3"), `time` is in seconds.
    public mutating func observe(time: Double, service: String?, row: @autoclosure () -> String) {
        defer { observedAny = true }
        guard !latest.isEmpty else { return }
        let name = service ?? ""
        var key = name
        // As the windows match them: when only one side names its services, a history of one
        // series is the past of the input's first series.
        if !observedAny, latest.count == 1, let only = latest.keys.first, (only == "") != (name == "") { key = only }
        guard let end = latest.removeValue(forKey: key) else { return }
        if first == nil, time.isFinite, time < end { first = (row(), time, end) }
    }

    /// What is wrong when the history does not come before `input`, or `nil`.
    public func problem(history: String, input: String) -> String? {
        guard let first else { return nil }
        func text(_ seconds: Double) -> String { Date(timeIntervalSince1970: seconds).formatted(.iso8601) }
        return
            "--history \(history) ends at \(text(first.end)), after \(input)'s \(first.row) at \(text(first.time)): the history must be the rows before the input"
    }

    /// The warning for rows scored after a history that does not come before them, or `nil`.
    public func warning(history: String, input: String) -> String? {
        problem(history: history, input: input).map {
            "warning: \($0), so the windows, baselines and seasons were filled with the wrong past"
        }
    }
}

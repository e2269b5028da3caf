import Foundation
import VigilDetect
import VigilServer

/// One NDJSON line's feature values and time, read with the service's own strict parser, so
/// that `vigil score` accepts exactly the records the service does and numbers, booleans and
/// strings stay apart (a `true` is never read as 1).
enum JSONRecord {
    /// Decodes one line and appends its `features` values to `values`; returns its time in
    /// seconds from a `timestamp` or `time` field when `readTime` (epoch seconds or milliseconds,
    /// or an ISO 8601 string, read as the service reads it; NaN without one, or for `null`) and
    /// its `service` (a string field, else `nil`).
    /// - Throws: ``DatasetError`` naming the line and the field.
    @discardableResult
    static func parse(
        _ line: String, lineNumber: Int, source: String, features: [String], readTime: Bool = true, into values: inout [Float]
    ) throws(DatasetError)
        -> (time: Double, service: String?)
    {
        let document: JSONValue
        do {
            document = try JSONParser.parse(line)
        } catch {
            throw .invalidJSON(source: source, line: lineNumber, reason: "invalid JSON: \(error.reason) at byte \(error.offset + 1)")
        }
        guard case .object(let fields) = document else {
            throw .invalidJSON(source: source, line: lineNumber, reason: "a JSON object is expected, found \(document.kind)")
        }
        var parsed: [Float] = []
        parsed.reserveCapacity(features.count)
        for name in features {
            switch fields[name] {
            case .number(let value)? where value.isFinite && abs(value) <= MetricEvent.valueLimit:
                parsed.append(Float(value))
            case .number(let value)?:
                throw .invalidValue(source: source, line: lineNumber, column: name, value: "\(value)")
            case .string(let text)?:
                throw .invalidValue(source: source, line: lineNumber, column: name, value: "\"\(text)\"")
            case .bool(let flag)?:
                throw .invalidValue(source: source, line: lineNumber, column: name, value: "\(flag)")
            case .null?:
                throw .invalidValue(source: source, line: lineNumber, column: name, value: "null")
            case .array?, .object?:
                throw .invalidValue(source: source, line: lineNumber, column: name, value: "an object or array")
            case nil:
                throw .invalidJSON(source: source, line: lineNumber, reason: "field '\(name)' is missing")
            }
        }
        var time = Double.nan
        if readTime, let (key, value) = field(TimeValue.names, of: fields) {
            switch value {
            case .null: break
            case .number(let number) where number.isFinite: time = TimeValue.seconds(epoch: number)
            case .number(let number): throw .invalidTime(source: source, line: lineNumber, column: key, value: "\(number)")
            case .string(let text):
                guard let seconds = TimeValue.seconds(Substring(text.trimmingCharacters(in: .whitespaces))) else {
                    throw .invalidTime(source: source, line: lineNumber, column: key, value: String(text.prefix(64)))
                }
                time = seconds
            default: throw .invalidTime(source: source, line: lineNumber, column: key, value: value.kind)
            }
        }
        values.append(contentsOf: parsed)
        // A number names a service as its text does in CSV.
        var service: String?
        switch field(["service"], of: fields)?.value {
        case .string(let name)?: service = name
        case .number(let number)?: service = number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : "\(number)"
        default: break
        }
        return (time, service)
    }

    /// The key and value of the first of `names` among `fields`, then of any key that is one of them in
    /// other letter cases, in key order: the same field every run (a dictionary's order is not).
    private static func field(_ names: [String], of fields: [String: JSONValue]) -> (key: String, value: JSONValue)? {
        if let name = names.first(where: { fields[$0] != nil }) { return (name, fields[name]!) }
        return fields.keys.filter { names.contains($0.lowercased()) }.sorted().first.map { ($0, fields[$0]!) }
    }
}

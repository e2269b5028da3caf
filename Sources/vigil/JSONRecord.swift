import Foundation
import VigilDetect

/// One NDJSON line's feature values, decoded so that numbers, booleans and strings stay apart
/// (a `true` is never read as 1), and its time.
struct JSONRecord: Decodable {
    enum Value: Decodable {
        case number(Double)
        case text(String)
        case other(String)

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() {
                self = .other("null")
            } else if let number = try? container.decode(Double.self) {
                self = .number(number)
            } else if let flag = try? container.decode(Bool.self) {
                self = .other("\(flag)")
            } else if let text = try? container.decode(String.self) {
                self = .text(text)
            } else {
                self = .other("an object or array")
            }
        }
    }

    let fields: [String: Value]

    init(from decoder: any Decoder) throws {
        fields = try decoder.singleValueContainer().decode([String: Value].self)
    }

    /// Decodes one line and appends its `features` values to `values`; returns its time in
    /// seconds from a `timestamp` or `time` field (epoch seconds or milliseconds, or an ISO 8601
    /// string), NaN without a readable one.
    /// - Throws: ``DatasetError`` naming the line and the field.
    @discardableResult
    static func parse(_ line: String, lineNumber: Int, source: String, features: [String], into values: inout [Float]) throws(DatasetError)
        -> Double
    {
        let record: JSONRecord
        do {
            record = try JSONDecoder().decode(JSONRecord.self, from: Data(line.utf8))
        } catch {
            throw .invalidJSON(source: source, line: lineNumber, reason: "not a JSON object")
        }
        var parsed: [Float] = []
        parsed.reserveCapacity(features.count)
        for name in features {
            switch record.fields[name] {
            case .number(let value)? where value.isFinite && abs(value) <= Double(Float.greatestFiniteMagnitude):
                parsed.append(Float(value))
            case .number(let value)?:
                throw .invalidValue(source: source, line: lineNumber, column: name, value: "\(value)")
            case .text(let text)?:
                throw .invalidValue(source: source, line: lineNumber, column: name, value: "\"\(text)\"")
            case .other(let text)?:
                throw .invalidValue(source: source, line: lineNumber, column: name, value: text)
            case nil:
                throw .invalidJSON(source: source, line: lineNumber, reason: "field '\(name)' is missing")
            }
        }
        values.append(contentsOf: parsed)
        let time = record.fields.first { TimeValue.names.contains($0.key.lowercased()) }?.value
        switch time {
        case .number(let number)?: return TimeValue.seconds(epoch: number)
        case .text(let text)?: return TimeValue.seconds(Substring(text)) ?? .nan
        default: return .nan
        }
    }
}

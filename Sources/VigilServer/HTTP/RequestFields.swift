import Foundation
import VigilDetect

/// Typed, validated access to one JSON object of a request body; every problem becomes an
/// ``APIError`` naming the field (with its path inside a batch, e.g. `[3].value`).
struct RequestFields {
    let object: [String: JSONValue]
    /// The path of this object in the body, `""` at the top level.
    let path: String

    /// The largest magnitude accepted for a metric value (``MetricEvent/valueLimit``).
    static let valueLimit = MetricEvent.valueLimit

    init(_ value: JSONValue, path: String = "") throws(APIError) {
        guard case .object(let object) = value else {
            throw APIError(
                .badRequest, code: "invalid_body",
                message: "\(path.isEmpty ? "the body" : "item \(path)") must be a JSON object, found \(value.kind)",
                field: path.isEmpty ? nil : path)
        }
        self.object = object
        self.path = path
    }

    func name(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// A finite number within ±``valueLimit``.
    func number(_ key: String, limit: Double = valueLimit) throws(APIError) -> Double {
        guard let value = object[key] else { throw .missingField(name(key)) }
        return try Self.number(value, field: name(key), limit: limit)
    }

    static func number(_ value: JSONValue, field: String, limit: Double = valueLimit) throws(APIError) -> Double {
        guard case .number(let number) = value else { throw .invalidField(field, "must be a number, found \(value.kind)") }
        let range = "between -\(Self.scientific(limit)) and \(Self.scientific(limit))"
        guard number.isFinite else { throw .invalidField(field, "is out of range: it must be \(range)") }
        guard abs(number) <= limit else { throw .invalidField(field, "must be \(range), found \(number)") }
        return number
    }

    /// `limit` as people write such bounds: 1e12, not 1000000000000.0.
    static func scientific(_ limit: Double) -> String {
        let exponent = Int(log10(limit).rounded())
        return limit == pow(10, Double(exponent)) ? "1e\(exponent)" : "\(limit)"
    }

    /// A name of 1–128 letters, digits and `-_.:/`.
    func name(of key: String) throws(APIError) -> String {
        guard let value = object[key] else { throw .missingField(name(key)) }
        guard case .string(let text) = value else { throw .invalidField(name(key), "must be a string, found \(value.kind)") }
        if let problem = MetricEvent.nameProblem(text) { throw .invalidField(name(key), problem) }
        return text
    }
}

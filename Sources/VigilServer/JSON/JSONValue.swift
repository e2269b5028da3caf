/// A parsed JSON value. Objects are dictionaries (their keys' order is not kept); duplicate keys
/// are rejected by the parser.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// What kind of value this is, for error messages ("a string", "an array").
    public var kind: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

/// Why a request body is not valid JSON, with the byte offset of the problem.
public struct JSONSyntaxError: Error, Equatable, CustomStringConvertible {
    public var offset: Int
    public var reason: String
    /// The top-level array holds more items than the parse allowed: well-formed so far, but
    /// too large (so a caller answers 413, not 400).
    public var exceedsItemLimit = false

    public init(offset: Int, reason: String, exceedsItemLimit: Bool = false) {
        self.offset = offset
        self.reason = reason
        self.exceedsItemLimit = exceedsItemLimit
    }

    public var description: String { "body is not valid JSON: \(reason) at byte \(offset)" }
}

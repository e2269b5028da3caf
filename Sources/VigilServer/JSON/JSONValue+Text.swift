import Foundation

extension JSONValue {
    /// A plain value as a reader sees it (whole numbers without a fraction, `yes`/`no`, `none`
    /// for null); `nil` for objects and arrays.
    var text: String? {
        switch self {
        case .null: "none"
        case .bool(let value): value ? "yes" : "no"
        case .number(let value):
            value.rounded() == value && abs(value) < 1e15 ? String(Int64(value)) : String(format: "%.6g", value)
        case .string(let value): value
        case .array, .object: nil
        }
    }
}

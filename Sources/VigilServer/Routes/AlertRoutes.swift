import Foundation
import Hummingbird
import VigilDetect

/// `GET /api/v1/ml/alerts`: stored alerts, newest first, a page at a time (`next_cursor`).
struct AlertRoutes: Sendable {
    let store: AlertStore

    func register(on router: Router<BasicRequestContext>) {
        router.get("/api/v1/ml/alerts") { request, _ in try await list(request) }
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    func list(_ request: Request) async throws -> Response {
        let query = try Self.query(from: request)
        let page = try await store.page(matching: query)
        let items = try page.alerts.map { String(decoding: try Self.encoder.encode($0), as: UTF8.self) }
        // The token is base64url: nothing in it needs escaping.
        let next = page.next.map { "\"\($0.token)\"" } ?? "null"
        return .json(
            "{\"success\":true,\"count\":\(page.alerts.count),\"alerts\":[" + items.joined(separator: ",") + "],\"next_cursor\":\(next)}")
    }

    static let parameters: Set<String> = ["service", "severity", "since", "until", "limit", "cursor"]

    static func query(from request: Request) throws(APIError) -> AlertQuery {
        try query(parameters: request.uri.queryParameters.map { (name: String($0.key), value: String($0.value)) })
    }

    /// The query that `parameters` (name and value, in the request's order) ask for; an unknown
    /// or repeated parameter, or a value out of range, is refused with the parameter named.
    static func query(parameters: [(name: String, value: String)]) throws(APIError) -> AlertQuery {
        var values: [String: String] = [:]
        for (name, value) in parameters {
            guard Self.parameters.contains(name) else {
                throw APIError(
                    .badRequest, code: "invalid_parameter",
                    message: "unknown query parameter '\(name)' (use \(Self.parameters.sorted().joined(separator: ", ")))", field: name)
            }
            guard values.updateValue(value, forKey: name) == nil else {
                throw APIError(.badRequest, code: "invalid_parameter", message: "query parameter '\(name)' is given more than once", field: name)
            }
        }
        var query = AlertQuery()
        if let service = values["service"] {
            if let problem = MetricEvent.nameProblem(service) { throw .invalidField("service", problem) }
            query.service = service
        }
        if let severity = values["severity"] {
            guard let parsed = Severity(rawValue: severity) else {
                throw .invalidField("severity", "must be one of \(Severity.allCases.map(\.rawValue).joined(separator: ", ")), found '\(severity)'")
            }
            query.severity = parsed
        }
        query.since = try values["since"].map { text throws(APIError) in try time(text, field: "since") }
        query.until = try values["until"].map { text throws(APIError) in try time(text, field: "until") }
        if let limit = values["limit"] {
            guard let parsed = Int(limit), parsed >= 1, parsed <= AlertQuery.maximumLimit else {
                throw .invalidField("limit", "must be a whole number from 1 to \(AlertQuery.maximumLimit), found '\(limit)'")
            }
            query.limit = parsed
        }
        if let cursor = values["cursor"] {
            guard let parsed = AlertCursor(token: cursor) else {
                throw .invalidField("cursor", "is not a next_cursor this server gave out, found '\(cursor.prefix(64))'")
            }
            query.after = parsed
        }
        return query
    }

    /// Milliseconds since the epoch (below 1e11, seconds, as detect reads a timestamp), or an ISO
    /// 8601 time read as detect reads one (``TimeValue``).
    static func time(_ text: String, field: String) throws(APIError) -> Double {
        if let number = Double(decimal: text), number.isFinite, number >= 0 { return number < 1e11 ? number * 1000 : number }
        if Double(decimal: text) == nil, let seconds = TimeValue.seconds(Substring(text)) { return seconds * 1000 }
        throw .invalidField(field, "must be milliseconds since the epoch or an ISO 8601 time, found '\(text.prefix(64))'")
    }
}

public import Hummingbird
import VigilDetect

/// A request Vigil refuses, rendered as `{"success": false, "error": "…", "code": "…", "field": "…"}`.
///
/// `error` is a sentence a user can act on; `field` names the offending field when there is one.
/// Responses never carry stack traces or internal paths.
public struct APIError: Error, HTTPResponseError, Equatable {
    public var status: HTTPResponse.Status
    /// A stable machine-readable code (`invalid_json`, `invalid_field`, `unauthorized`, …).
    public var code: String
    public var message: String
    public var field: String?
    public var headers: HTTPFields = [:]

    public init(_ status: HTTPResponse.Status, code: String, message: String, field: String? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.field = field
    }

    static func invalidField(_ field: String, _ problem: String) -> APIError {
        APIError(.badRequest, code: "invalid_field", message: "field '\(field)' \(problem)", field: field)
    }

    /// A batch of more than `limit` items (413).
    static func tooManyItems(_ limit: Int) -> APIError {
        APIError(.contentTooLarge, code: "batch_too_large", message: "the batch holds more than \(limit) items; at most \(limit) are accepted")
    }

    static func missingField(_ field: String) -> APIError {
        APIError(.badRequest, code: "missing_field", message: "field '\(field)' is required", field: field)
    }

    var body: String {
        var text = "{\"success\":false,\"error\":\(JSONText.string(message)),\"code\":\(JSONText.string(code))"
        if let field { text += ",\"field\":\(JSONText.string(field))" }
        return text + "}"
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = Response.json(body, status: status)
        response.headers.append(contentsOf: headers)
        return response
    }
}

extension Response {
    /// A JSON response from already-serialised text.
    static func json(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}

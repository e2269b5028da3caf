import Hummingbird

extension Request {
    /// The whole body, at most `limit` bytes (413 beyond), parsed as JSON (400 naming the byte
    /// where it breaks). A declared content type other than JSON gets 415.
    mutating func jsonBody(limit: Int, allowNDJSON: Bool = false) async throws -> (value: JSONValue?, raw: ByteBuffer) {
        if let type = headers[.contentType]?.lowercased(), !type.hasPrefix("application/json"),
            !(allowNDJSON && (type.hasPrefix("application/x-ndjson") || type.hasPrefix("application/ndjson")))
        {
            throw APIError(
                .unsupportedMediaType, code: "unsupported_media_type",
                message: "content type '\(type)' is not supported; send application/json\(allowNDJSON ? " or application/x-ndjson" : "")")
        }
        let buffer = try await collectBody(upTo: limit)
        if allowNDJSON, headers[.contentType]?.lowercased().contains("ndjson") == true { return (nil, buffer) }
        let parsed = buffer.withUnsafeReadableBytes { bytes -> Result<JSONValue, JSONSyntaxError> in
            do throws(JSONSyntaxError) {
                return .success(try JSONParser.parse(bytes))
            } catch {
                return .failure(error)
            }
        }
        switch parsed {
        case .success(let value): return (value, buffer)
        case .failure(let error): throw APIError(.badRequest, code: "invalid_json", message: error.description)
        }
    }
}

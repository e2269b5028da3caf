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
        do {
            return (try JSONParser.parse(buffer.readableBytesView), buffer)
        } catch {
            throw APIError(.badRequest, code: "invalid_json", message: error.description)
        }
    }
}

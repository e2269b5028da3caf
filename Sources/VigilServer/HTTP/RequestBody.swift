import Foundation
import Hummingbird

extension Request {
    /// The whole body, at most `limit` bytes (413 beyond), parsed as JSON (400 naming the byte
    /// where it breaks; 413 for a top-level array of more than `maximumItems`). A declared
    /// content type other than JSON (or NDJSON, where allowed), or a charset other than UTF-8,
    /// gets 415; `nil` JSON means an NDJSON body, left to the caller.
    mutating func jsonBody(limit: Int, allowNDJSON: Bool = false, maximumItems: Int? = nil) async throws -> (value: JSONValue?, raw: ByteBuffer) {
        var ndjson = false
        if let declared = headers[.contentType] {
            let media = MediaType(declared)
            ndjson = allowNDJSON && (media.type == "application/x-ndjson" || media.type == "application/ndjson")
            let accepted = "application/json\(allowNDJSON ? " or application/x-ndjson" : "")"
            guard media.type == "application/json" || ndjson else {
                throw APIError(
                    .unsupportedMediaType, code: "unsupported_media_type",
                    message: "content type '\(declared)' is not supported; send \(accepted)")
            }
            if let charset = media.charset, charset != "utf-8", charset != "utf8" {
                throw APIError(
                    .unsupportedMediaType, code: "unsupported_media_type", message: "charset '\(charset)' is not supported; send UTF-8")
            }
        }
        let buffer = try await collectBody(upTo: limit)
        if ndjson { return (nil, buffer) }
        do {
            return (try JSONParser.parse(buffer.readableBytesView, maximumItems: maximumItems), buffer)
        } catch  where error.exceedsItemLimit {
            throw APIError.tooManyItems(maximumItems ?? 0)
        } catch {
            throw APIError(.badRequest, code: "invalid_json", message: error.description)
        }
    }
}

/// A Content-Type header's media type and charset, lowercased (`application/json; charset=UTF-8`).
struct MediaType {
    var type: String
    var charset: String?

    init(_ header: String) {
        let parts = header.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        type = parts.first ?? ""
        charset =
            parts.dropFirst().lazy.compactMap { parameter -> String? in
                guard parameter.hasPrefix("charset=") else { return nil }
                return String(parameter.dropFirst("charset=".count)).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            }.first
    }
}

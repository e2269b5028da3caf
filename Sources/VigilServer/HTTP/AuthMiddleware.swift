import Hummingbird

/// Requires `Authorization: Bearer <token>` on `/api/…` and `/predict` when a token is set;
/// `/health`, `/ready`, `/metrics` and the documentation stay open.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let token: [UInt8]

    init(token: String) {
        self.token = Array(token.utf8)
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        guard request.method != .options, path.hasPrefix("/api/") || path == "/predict" else { return try await next(request, context) }
        // The scheme's name is case-insensitive and may be followed by several spaces (RFC 9110);
        // the token is compared as sent.
        guard let header = request.headers[.authorization], header.prefix(7).lowercased() == "bearer ",
            Self.constantTimeEqual(Array(header.utf8.dropFirst(7).drop { $0 == UInt8(ascii: " ") }), token)
        else {
            var error = APIError(.unauthorized, code: "unauthorized", message: "this endpoint needs the header 'Authorization: Bearer <token>'")
            error.headers[.wwwAuthenticate] = "Bearer"
            throw error
        }
        return try await next(request, context)
    }

    /// Compares in time that depends only on the lengths, not on where the bytes differ.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(truncatingIfNeeded: a.count ^ b.count)
        for index in 0..<max(a.count, b.count) {
            difference |= (index < a.count ? a[index] : 0) ^ (index < b.count ? b[index] : 0)
        }
        return difference == 0
    }
}

import Hummingbird

/// Requires `Authorization: Bearer <token>` on every path but the probes' and the documentation's
/// when a token is set: `/health`, `/ready`, `/metrics`, `/openapi.json` and `/docs` stay open.
/// Open paths are listed, not protected ones, and compared as the router reads them (`//predict`
/// is `/predict` to it): a spelling the list does not foresee is protected, not let through.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let token: [UInt8]

    init(token: String) {
        self.token = Array(token.utf8)
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method != .options, !Self.openPaths.contains(RoutePath.normalized(request.uri.path)) else {
            return try await next(request, context)
        }
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

    static let openPaths: Set<String> = ["/health", "/ready", "/metrics", "/openapi.json", "/docs"]

    /// Compares in time that depends only on the lengths, not on where the bytes differ.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(truncatingIfNeeded: a.count ^ b.count)
        for index in 0..<max(a.count, b.count) {
            difference |= (index < a.count ? a[index] : 0) ^ (index < b.count ? b[index] : 0)
        }
        return difference == 0
    }
}

import Foundation
import Hummingbird

/// Requires `Authorization: Bearer <token>` on every path but the probes' and the documentation's
/// when a token is set: `/health`, `/ready`, `/metrics`, `/openapi.json` and `/docs` stay open.
/// Open paths are listed, not protected ones, and compared as the router reads them (`//predict`
/// is `/predict` to it): a spelling the list does not foresee is protected, not let through.
/// The pages a browser opens (`/dashboard` and its alerts as JSON) also take the token as a
/// Basic password, with any user name, since a browser asks for that and cannot send a bearer
/// token.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let token: [UInt8]

    init(token: String) {
        self.token = Array(token.utf8)
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = RoutePath.normalized(request.uri.path)
        guard request.method != .options, !Self.openPaths.contains(path) else {
            return try await next(request, context)
        }
        let forBrowser = Self.browserPaths.contains(path)
        guard let header = request.headers[.authorization], accepts(header, basic: forBrowser) else {
            let how = forBrowser ? " (or, from a browser, the token as the password)" : ""
            var error = APIError(
                .unauthorized, code: "unauthorized", message: "this endpoint needs the header 'Authorization: Bearer <token>'\(how)")
            // A browser asks for a password only when offered Basic.
            error.headers[values: .wwwAuthenticate] = (forBrowser ? ["Basic realm=\"Vigil\", charset=\"UTF-8\""] : []) + ["Bearer"]
            throw error
        }
        return try await next(request, context)
    }

    /// Whether `header` carries the token: as a bearer token, or (when `basic`) as the password
    /// of Basic credentials. A scheme's name is case-insensitive and may be followed by several
    /// spaces (RFC 9110); the token is compared as sent.
    private func accepts(_ header: String, basic: Bool) -> Bool {
        let scheme = header.prefix { $0 != " " }.lowercased()
        let credentials = header.utf8.dropFirst(scheme.utf8.count).drop { $0 == UInt8(ascii: " ") }
        switch scheme {
        case "bearer":
            return Self.constantTimeEqual(Array(credentials), token)
        case "basic" where basic:
            guard let decoded = Data(base64Encoded: Data(credentials)), let colon = decoded.firstIndex(of: UInt8(ascii: ":")) else { return false }
            return Self.constantTimeEqual(Array(decoded[decoded.index(after: colon)...]), token)
        default:
            return false
        }
    }

    static let openPaths: Set<String> = ["/health", "/ready", "/metrics", "/openapi.json", "/docs"]
    static let browserPaths: Set<String> = ["/", "/dashboard", "/dashboard/alerts.json"]

    /// Compares in time that depends only on the lengths, not on where the bytes differ.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(truncatingIfNeeded: a.count ^ b.count)
        for index in 0..<max(a.count, b.count) {
            difference |= (index < a.count ? a[index] : 0) ^ (index < b.count ? b[index] : 0)
        }
        return difference == 0
    }
}

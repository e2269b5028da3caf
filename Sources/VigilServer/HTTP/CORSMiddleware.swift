import Hummingbird

/// CORS for an allow-list of origins (off when the list is empty). Unlike the seed, which
/// allowed every origin with credentials, an origin not on the list gets no CORS headers.
struct CORSMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let origins: Set<String>

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let origin = request.headers[.origin], origins.contains(origin) || origins.contains("*") else {
            // The answer depends on the origin even when it allows none: caches must keep them apart.
            var response = try await next(request, context)
            if request.headers[.origin] != nil { response.headers[.vary] = "Origin" }
            return response
        }
        var response: Response
        if request.method == .options, request.headers[.accessControlRequestMethod] != nil {
            response = Response(status: .noContent)
            response.headers[.accessControlAllowMethods] = "GET, POST, OPTIONS"
            response.headers[.accessControlAllowHeaders] = "Authorization, Content-Type"
            response.headers[.accessControlMaxAge] = "600"
        } else {
            response = try await next(request, context)
        }
        response.headers[.accessControlAllowOrigin] = origins.contains("*") ? "*" : origin
        response.headers[.vary] = "Origin"
        return response
    }
}

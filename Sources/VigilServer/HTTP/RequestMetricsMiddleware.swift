import Hummingbird

/// Counts every request and its latency by route, method and status.
///
/// The route is one of `routes` (a known path, also when the method is wrong: 405) or
/// `unmatched` (404), so that no client can grow the label set with paths of its own.
struct RequestMetricsMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let metrics: ServiceMetrics
    let routes: Set<String>

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        let response = try await next(request, context)
        let route = [context.endpointPath, request.uri.path].compactMap { $0 }.first { routes.contains($0) } ?? "unmatched"
        metrics.recordRequest(route: route, method: request.method.rawValue, status: response.status.code, duration: ContinuousClock.now - started)
        return response
    }
}

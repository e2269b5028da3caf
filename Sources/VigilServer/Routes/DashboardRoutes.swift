import Foundation
import Hummingbird

/// `GET /dashboard` (``DashboardPage``), `GET /`, which sends a browser there, and `GET
/// /dashboard/alerts.json`, the alert list of `GET /api/v1/ml/alerts` (the same parameters and
/// answer) where a browser that gave the token as a Basic password can follow it.
struct DashboardRoutes: Sendable {
    let operations: OperationsRoutes
    let models: ModelRoutes
    let store: AlertStore

    func register(on router: Router<BasicRequestContext>) {
        router.get("/") { _, _ in Response(status: .found, headers: [.location: "/dashboard"]) }
        router.get("/dashboard") { request, _ in try await dashboard(request) }
        router.get("/dashboard/alerts.json") { request, _ in try await AlertRoutes(store: store).list(request) }
    }

    func dashboard(_ request: Request) async throws -> Response {
        var filters = request.uri.queryParameters.map { (name: String($0.key), value: String($0.value)) }
        // An empty field of the page's form is no filter.
        filters.removeAll { $0.value.isEmpty && ($0.name == "service" || $0.name == "severity") }
        var problem: String?
        var query = AlertQuery(limit: DashboardPage.defaultLimit)
        do {
            query = try AlertRoutes.query(parameters: filters)
            if !filters.contains(where: { $0.name == "limit" }) { query.limit = DashboardPage.defaultLimit }
        } catch {
            problem = error.message
            filters = []
        }
        // A store that cannot be read is when the health panel matters most: shown, not a 500.
        var alerts = AlertPage(alerts: [], next: nil)
        var unreadable: String?
        do {
            alerts = try await store.page(matching: query)
        } catch {
            unreadable = "the alerts cannot be read: \(error)"
        }
        let page = DashboardPage(
            health: await operations.healthReport(), model: models.modelInfo(), alerts: alerts, filters: filters.filter { $0.name != "cursor" },
            paged: query.after != nil, problem: problem, alertsProblem: unreadable, now: Date())
        let status: HTTPResponse.Status = unreadable != nil ? .serviceUnavailable : problem != nil ? .badRequest : .ok
        return Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: page.html)))
    }
}

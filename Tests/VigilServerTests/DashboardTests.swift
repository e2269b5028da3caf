import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import Testing
import VigilDetect

@testable import VigilServer

@Suite struct DashboardTests {
    let tags = "{\"memory_usage\":50,\"disk_io\":50,\"network_io\":50,\"response_time\":50}"

    @Test func showsHealthTheModelAndTheLatestAlerts() async throws {
        try await TestService.test(try TestService.make()) { client in
            let empty = try await client.get("/dashboard")
            #expect(empty.status == .ok)
            #expect(empty.headers[.contentType] == "text/html; charset=utf-8")
            #expect(empty.text.contains("<span class=\"status healthy\">healthy</span>"))
            #expect(empty.text.contains("<dt>model type</dt><dd>autoencoder</dd>"))
            #expect(empty.text.contains("<dt>alert store</dt><dd><dl><dt>status</dt><dd>ok</dd></dl></dd>"))
            #expect(empty.text.contains("No alerts."))
            #expect(!empty.text.contains("http://") && !empty.text.contains("https://") && !empty.text.contains("<script"), "self-contained")

            for (service, timestamp) in [("api", 1_764_072_000_000.0), ("db", 1_764_072_060_000)] {
                try await client.post("/api/v1/ml/detect", json: metric(service: service, value: 400, timestamp: timestamp, tags: tags))
            }
            let listed = try await client.get("/dashboard").text
            let api = try #require(listed.range(of: "<td>api</td>"))
            let database = try #require(listed.range(of: "<td>db</td>"))
            #expect(database.lowerBound < api.lowerBound, "newest first")
            #expect(listed.contains("<td>2025-11-25T12:01:00Z</td>"))
            #expect(listed.firstMatch(of: #/<td>[a-z_]+ \d+%(, [a-z_]+ \d+%)*</td>/#) != nil, "the top features")
            #expect(!listed.contains("older alerts"))
        }
    }

    @Test func filtersAndPagesAsTheAlertListDoes() async throws {
        try await TestService.test(try TestService.make()) { client in
            for (service, timestamp) in [("api", 1_764_072_000_000.0), ("db", 1_764_072_060_000)] {
                try await client.post("/api/v1/ml/detect", json: metric(service: service, value: 400, timestamp: timestamp, tags: tags))
            }
            // The form's empty fields are no filter.
            let unfiltered = try await client.get("/dashboard?service=&severity=").text
            #expect(unfiltered.contains("<td>api</td>") && unfiltered.contains("<td>db</td>"))
            let api = try await client.get("/dashboard?service=api").text
            #expect(api.contains("<td>api</td>") && !api.contains("<td>db</td>"))
            #expect(api.contains("<input name=\"service\" value=\"api\">"))
            // Filters without a field in the form go along when it is sent again.
            let limited = try await client.get("/dashboard?limit=7&since=2025-01-01").text
            #expect(limited.contains("<input type=\"hidden\" name=\"limit\" value=\"7\">"))
            #expect(limited.contains("<input type=\"hidden\" name=\"since\" value=\"2025-01-01\">"))
            #expect(try await client.get("/dashboard?service=web").text.contains("No alerts match these filters."))

            let first = try await client.get("/dashboard?limit=1").text
            #expect(first.contains("<td>db</td>") && !first.contains("<td>api</td>"))
            func older(_ page: String) throws -> String {
                let link = try #require(page.firstMatch(of: #/href="(/dashboard\?limit=1&amp;cursor=[A-Za-z0-9_-]+)"/#)?.output.1)
                return link.replacingOccurrences(of: "&amp;", with: "&")
            }
            let second = try await client.get(try older(first)).text
            #expect(second.contains("<td>api</td>") && !second.contains("<td>db</td>"))
            // A full page links on, as next_cursor does; the page after the last alert says so.
            let third = try await client.get(try older(second)).text
            #expect(third.contains("No older alerts.") && !third.contains("older alerts<"))
        }
    }

    @Test func aRefusedFilterIsNamedOnThePage() async throws {
        try await TestService.test(try TestService.make()) { client in
            let refused = try await client.get("/dashboard?severity=urgent")
            #expect(refused.status == .badRequest)
            #expect(refused.headers[.contentType] == "text/html; charset=utf-8")
            #expect(refused.text.contains("field &#39;severity&#39; must be one of medium, high, critical, found &#39;urgent&#39;"))
            #expect(try await client.get("/dashboard?colour=red").text.contains("unknown query parameter &#39;colour&#39;"))
        }
    }

    /// A store that cannot be read is when the health panel matters most: the page still comes,
    /// says why the alerts are missing, and answers 503.
    @Test func anUnreadableStoreLeavesThePageUp() async throws {
        let service = try TestService.make()
        let database = try DatabaseQueue(path: service.configuration.alertDatabasePath)
        try await TestService.test(service) { client in
            try await database.write { try $0.execute(sql: "ALTER TABLE alert RENAME TO alert_away") }
            let page = try await client.get("/dashboard")
            #expect(page.status == .serviceUnavailable)
            #expect(page.text.contains("<p class=\"problem\">the alerts cannot be read: "), "\(page.text)")
            #expect(page.text.contains("<h2>Health</h2>"))
            try await database.write { try $0.execute(sql: "ALTER TABLE alert_away RENAME TO alert") }
            #expect(try await client.get("/dashboard").status == .ok)
        }
    }

    @Test func theRootSendsABrowserToTheDashboard() async throws {
        try await TestService.test(try TestService.make()) { client in
            let root = try await client.get("/")
            #expect(root.status == .found)
            #expect(root.headers[.location] == "/dashboard")
        }
    }

    @Test func aBrowserGivesTheTokenAsABasicPassword() async throws {
        try await TestService.test(try TestService.make { $0.apiToken = "s3cret" }) { client in
            let anonymous = try await client.get("/dashboard")
            #expect(anonymous.status == .unauthorized)
            #expect(anonymous.headers[values: .wwwAuthenticate] == ["Basic realm=\"Vigil\", charset=\"UTF-8\"", "Bearer"])
            func basic(_ credentials: String) -> HTTPFields { [.authorization: "Basic " + Data(credentials.utf8).base64EncodedString()] }
            #expect(try await client.get("/dashboard", headers: basic("anyone:s3cret")).status == .ok)
            #expect(try await client.get("/dashboard", headers: basic(":s3cret")).status == .ok)
            #expect(try await client.get("/dashboard", headers: [.authorization: "Bearer s3cret"]).status == .ok)
            #expect(try await client.get("/dashboard", headers: basic("s3cret:wrong")).status == .unauthorized)
            #expect(try await client.get("/dashboard", headers: basic("s3cret")).status == .unauthorized)
            #expect(try await client.get("/dashboard", headers: [.authorization: "Basic not-base64!"]).status == .unauthorized)
            // The page's "alerts as JSON" link is one a browser that logged in can follow: the
            // alert list under the dashboard's path, with the page's filters.
            let page = try await client.get("/dashboard?severity=high", headers: basic("anyone:s3cret")).text
            #expect(page.contains("<a href=\"/dashboard/alerts.json?severity=high\">alerts as JSON</a>"))
            let json = try await client.get("/dashboard/alerts.json?severity=high", headers: basic("anyone:s3cret"))
            #expect(json.status == .ok)
            #expect(json.object["alerts"] as? [Any] != nil, "\(json.text)")
            #expect(try await client.get("/dashboard/alerts.json").status == .unauthorized)
            #expect(try await client.get("/dashboard/alerts.json?bogus=1", headers: basic("anyone:s3cret")).status == .badRequest)
            let post = try await client.execute(uri: "/dashboard/alerts.json", method: .post, headers: basic("anyone:s3cret"))
            #expect(post.status == .methodNotAllowed)
            // The API takes only the bearer token.
            let api = try await client.get("/api/v1/ml/alerts", headers: basic("anyone:s3cret"))
            #expect(api.status == .unauthorized)
            #expect(api.headers[values: .wwwAuthenticate] == ["Bearer"])
        }
    }

    @Test func whatTheDashboardShowsIsEscaped() {
        var alert = Alert(
            id: "a1", event: MetricEvent(timestamp: 0, service: "api", metric: "cpu_usage", value: 1),
            score: Score(anomalyScore: 1, isAnomaly: true, confidence: 0.95, reconstructionError: 1, threshold: 0.5, featureScores: [1]),
            features: ["cpu_usage"], modelType: "autoencoder")
        alert.description = "<script>alert('x')</script> & more"
        let page = DashboardPage(
            health: #"{"status":"degraded","model":{"last_error":"<b>bad</b>"}}"#, model: #"{"features":["a<b","c"],"threshold":0.25}"#,
            alerts: AlertPage(alerts: [alert], next: nil), filters: [(name: "service", value: "\"><x")], problem: nil,
            now: Date(timeIntervalSince1970: 0))
        let html = page.html
        #expect(!html.contains("<script>") && !html.contains("<b>bad") && !html.contains("\"><x"))
        #expect(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; more"))
        #expect(html.contains("<dt>features</dt><dd>a&lt;b, c</dd>"))
        #expect(html.contains("<dt>threshold</dt><dd>0.25</dd>"))
        #expect(html.contains("<span class=\"status degraded\">degraded</span>"))
        #expect(html.contains("1970-01-01T00:00:00Z"))
    }
}

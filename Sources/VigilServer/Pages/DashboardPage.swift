import Foundation
import VigilDetect

/// `/dashboard`: what an operator looks at first, in a browser, on an isolated network (no
/// JavaScript, no CDN): the service's health and model, as `/health` and
/// `/api/v1/ml/model-info` report them, and the latest alerts, filtered and paged as
/// `/api/v1/ml/alerts` pages them. The page reloads itself every ``refreshSeconds``.
struct DashboardPage {
    /// `GET /health`'s JSON.
    var health: String
    /// `GET /api/v1/ml/model-info`'s `model` object.
    var model: String
    var alerts: AlertPage
    /// The request's alert filters, as given (`cursor` left out), for the form and the next page's link.
    var filters: [(name: String, value: String)]
    /// Whether the request followed an "older alerts" link (a cursor).
    var paged = false
    /// Why the filters were refused, when they were; the page then lists the latest alerts unfiltered.
    var problem: String?
    /// Why no alerts could be read (the store failed), when none could.
    var alertsProblem: String?
    var now: Date

    static let refreshSeconds = 15
    /// Alerts on one page when the request names no `limit`.
    static let defaultLimit = 50

    /// `?name=value&…` for `parameters`, percent-encoded and escaped for an attribute; empty for none.
    static func queryString(_ parameters: [(name: String, value: String)]) -> String {
        guard !parameters.isEmpty else { return "" }
        let pairs = parameters.map { "\(percentEncoded($0.name))=\(percentEncoded($0.value))" }
        return "?" + HTMLText.escape(pairs.joined(separator: "&"))
    }

    var html: String {
        let healthValue = (try? JSONParser.parse(health)) ?? .null
        let status = Self.field("status", of: healthValue).flatMap(\.text) ?? "unknown"
        var body = "<header><h1>Vigil</h1><span class=\"status \(HTMLText.escape(status))\">\(HTMLText.escape(status))</span>"
        body += "<span class=\"time\">\(HTMLText.escape(Self.time(now)))</span></header>"
        if let problem { body += "<p class=\"problem\">\(HTMLText.escape(problem)); showing the latest alerts unfiltered.</p>" }
        body += "<div class=\"panels\">"
        body += "<section><h2>Model</h2>\(Self.details((try? JSONParser.parse(model)) ?? .null))</section>"
        body += "<section><h2>Health</h2>\(Self.details(Self.withoutKeys(["status", "timestamp", "service"], healthValue)))</section>"
        body += "</div>"
        body += alertSection
        body += "<footer><a href=\"/docs\">API reference</a> · <a href=\"/metrics\">Prometheus metrics</a> · "
        body += "<a href=\"/dashboard/alerts.json\(Self.queryString(filters))\">alerts as JSON</a> · reloads every \(Self.refreshSeconds) s</footer>"
        return """
            <!doctype html><html lang="en"><head><meta charset="utf-8"><title>Vigil: \(HTMLText.escape(status))</title>
            <meta http-equiv="refresh" content="\(Self.refreshSeconds)"><meta name="viewport" content="width=device-width">
            <style>\(Self.style)</style></head><body>\(body)</body></html>
            """
    }

    private var alertSection: String {
        var text = "<section><h2>Alerts</h2><form method=\"get\" action=\"/dashboard\">"
        text += "<label>service <input name=\"service\" value=\"\(HTMLText.escape(value(of: "service") ?? ""))\"></label> "
        text += "<label>severity <select name=\"severity\"><option value=\"\">any</option>"
        for severity in Severity.allCases.reversed() {
            let selected = value(of: "severity") == severity.rawValue ? " selected" : ""
            text += "<option\(selected)>\(severity.rawValue)</option>"
        }
        text += "</select></label> "
        // The filters the form has no field for go along unchanged.
        for (name, value) in filters where name == "since" || name == "until" || name == "limit" {
            text += "<input type=\"hidden\" name=\"\(name)\" value=\"\(HTMLText.escape(value))\">"
        }
        text += "<button>filter</button></form>"
        if let alertsProblem { return text + "<p class=\"problem\">\(HTMLText.escape(alertsProblem))</p></section>" }
        guard !alerts.alerts.isEmpty else {
            let none = paged ? "No older alerts" : filters.isEmpty ? "No alerts" : "No alerts match these filters"
            return text + "<p>\(none).</p></section>"
        }
        text += "<table><thead><tr><th>opened (UTC)</th><th>last seen</th><th>service</th><th>severity</th><th>count</th>"
        text += "<th>score</th><th>top features</th><th>description</th></tr></thead><tbody>"
        for alert in alerts.alerts {
            let features = alert.topFeatures.map { "\($0.feature) \(Int(($0.share * 100).rounded()))%" }.joined(separator: ", ")
            text += "<tr><td>\(Self.time(milliseconds: alert.timestamp))</td><td>\(Self.time(milliseconds: alert.lastSeen))</td>"
            text += "<td>\(HTMLText.escape(alert.service))</td><td class=\"\(alert.severity.rawValue)\">\(alert.severity.rawValue)</td>"
            text += "<td>\(alert.count)</td><td>\(String(format: "%.3f", alert.metadata.anomalyScore))</td>"
            text += "<td>\(HTMLText.escape(features))</td><td>\(HTMLText.escape(alert.description))</td></tr>"
        }
        text += "</tbody></table>"
        if let next = alerts.next {
            text += "<p><a href=\"/dashboard\(Self.queryString(filters + [(name: "cursor", value: next.token)]))\">older alerts</a></p>"
        }
        return text + "</section>"
    }

    private func value(of filter: String) -> String? {
        filters.first { $0.name == filter }?.value
    }

    /// A JSON value as nested definition lists, keys in order with `status` first and
    /// underscores read as spaces; lists of plain values on one line.
    static func details(_ value: JSONValue) -> String {
        switch value {
        case .object(let fields):
            let keys = fields.keys.sorted { ($0 == "status" ? 0 : 1, $0) < ($1 == "status" ? 0 : 1, $1) }
            let items = keys.map { key in
                "<dt>\(HTMLText.escape(key.replacingOccurrences(of: "_", with: " ")))</dt><dd>\(details(fields[key]!))</dd>"
            }
            return "<dl>" + items.joined() + "</dl>"
        case .array(let items):
            let plain = items.compactMap(\.text)
            if plain.count == items.count { return HTMLText.escape(plain.joined(separator: ", ")) }
            return "<ol>" + items.map { "<li>\(details($0))</li>" }.joined() + "</ol>"
        default:
            return HTMLText.escape(value.text ?? "")
        }
    }

    private static func field(_ name: String, of value: JSONValue) -> JSONValue? {
        guard case .object(let fields) = value else { return nil }
        return fields[name]
    }

    private static func withoutKeys(_ keys: Set<String>, _ value: JSONValue) -> JSONValue {
        guard case .object(let fields) = value else { return value }
        return .object(fields.filter { !keys.contains($0.key) })
    }

    private static func time(_ date: Date) -> String {
        date.formatted(.iso8601)
    }

    private static func time(milliseconds: Double) -> String {
        time(Date(timeIntervalSince1970: milliseconds / 1000))
    }

    /// A query parameter's name or value with everything but unreserved characters escaped.
    static func percentEncoded(_ text: String) -> String {
        var unreserved = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: Unicode.Scalar(0)..<Unicode.Scalar(128)))
        unreserved.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? ""
    }

    private static let style = """
        body{font:14px/1.45 system-ui,sans-serif;margin:1.5rem;color:#222}header{display:flex;gap:1rem;align-items:baseline}
        h1{margin:0}h2{font-size:1.05rem;margin:.2rem 0 .5rem}.status{padding:.1rem .5rem;border-radius:3px;color:#fff;background:#888}
        .status.healthy{background:#2a7}.status.degraded{background:#c33}.time{color:#666}.problem{color:#c33}
        .panels{display:flex;flex-wrap:wrap;gap:1.5rem}.panels section{flex:1 1 24rem}section{margin:1rem 0}
        dl{display:grid;grid-template-columns:max-content 1fr;gap:.1rem .8rem;margin:0}dt{color:#555}dd{margin:0}dd dl{font-size:.95em}
        table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.25rem .5rem;border-bottom:1px solid #e4e4e4;vertical-align:top}
        th{background:#f4f4f4}.critical{color:#c33;font-weight:600}.high{color:#d70}form{margin-bottom:.6rem}footer{color:#666;margin-top:1rem}
        """
}

import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import VigilServer

/// Every class of malformed request gets a 4xx JSON error that names the problem; nothing crashes.
@Suite struct BadInputTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var uri: String
        var method: HTTPRequest.Method = .post
        var body: String?
        var contentType = "application/json"
        var status: HTTPResponse.Status
        var code: String
        var field: String?
        var mentions: String

        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "not JSON", uri: "/predict", body: "cpu=5", status: .badRequest, code: "invalid_json", mentions: "unexpected character"),
        Case(name: "empty body", uri: "/predict", body: "", status: .badRequest, code: "invalid_json", mentions: "empty"),
        Case(name: "truncated JSON", uri: "/predict", body: "{\"cpu_usage\": 5", status: .badRequest, code: "invalid_json", mentions: "at byte"),
        Case(name: "array instead of object", uri: "/predict", body: "[1,2]", status: .badRequest, code: "invalid_body", mentions: "JSON object"),
        Case(
            name: "string for a number", uri: "/predict",
            body: "{\"cpu_usage\":\"45\",\"memory_usage\":1,\"disk_io\":1,\"network_io\":1,\"response_time\":1}", status: .badRequest,
            code: "invalid_field", field: "cpu_usage", mentions: "must be a number"),
        Case(
            name: "missing field", uri: "/predict", body: "{\"cpu_usage\":1,\"memory_usage\":1,\"disk_io\":1,\"network_io\":1}", status: .badRequest,
            code: "missing_field", field: "response_time", mentions: "required"),
        Case(
            name: "NaN", uri: "/predict", body: "{\"cpu_usage\":NaN,\"memory_usage\":1,\"disk_io\":1,\"network_io\":1,\"response_time\":1}",
            status: .badRequest, code: "invalid_json", mentions: "NaN"),
        Case(
            name: "Infinity", uri: "/predict",
            body: "{\"cpu_usage\":-Infinity,\"memory_usage\":1,\"disk_io\":1,\"network_io\":1,\"response_time\":1}",
            status: .badRequest, code: "invalid_json", mentions: "Infinity"),
        Case(
            name: "number overflowing a double", uri: "/predict",
            body: "{\"cpu_usage\":1e400,\"memory_usage\":1,\"disk_io\":1,\"network_io\":1,\"response_time\":1}", status: .badRequest,
            code: "invalid_field", field: "cpu_usage", mentions: "out of range: it must be between -1e12 and 1e12"),
        Case(
            name: "number out of range", uri: "/predict",
            body: "{\"cpu_usage\":1e300,\"memory_usage\":1,\"disk_io\":1,\"network_io\":1,\"response_time\":1}", status: .badRequest,
            code: "invalid_field", field: "cpu_usage", mentions: "between -1e12 and 1e12"),
        Case(
            name: "duplicate key", uri: "/predict", body: "{\"cpu_usage\":1,\"cpu_usage\":2}", status: .badRequest, code: "invalid_json",
            mentions: "duplicate key"),
        Case(
            name: "over-long service name", uri: "/api/v1/ml/detect",
            body: metric(service: String(repeating: "s", count: 200), value: 1), status: .badRequest, code: "invalid_field", field: "service",
            mentions: "at most 128"),
        Case(
            name: "odd service name", uri: "/api/v1/ml/detect", body: metric(service: "a b<script>", value: 1), status: .badRequest,
            code: "invalid_field", field: "service", mentions: "letters, digits"),
        Case(
            name: "service of the wrong type", uri: "/api/v1/ml/detect",
            body: "{\"timestamp\":1,\"service\":7,\"metric\":\"cpu_usage\",\"value\":1}", status: .badRequest, code: "invalid_field",
            field: "service", mentions: "must be a string"),
        Case(
            name: "missing timestamp", uri: "/api/v1/ml/detect", body: "{\"service\":\"api\",\"metric\":\"cpu_usage\",\"value\":1}",
            status: .badRequest, code: "missing_field", field: "timestamp", mentions: "required"),
        Case(
            name: "negative timestamp", uri: "/api/v1/ml/detect", body: metric(value: 1, timestamp: -5), status: .badRequest,
            code: "invalid_field", field: "timestamp", mentions: "must be from 0 to 1e14"),
        Case(
            name: "timestamp a day ahead", uri: "/api/v1/ml/detect",
            body: metric(value: 1, timestamp: Date().timeIntervalSince1970 * 1000 + 86_400_000),
            status: .badRequest, code: "invalid_field", field: "timestamp", mentions: "ahead of this server's clock"),
        Case(
            name: "timestamp text that is no date", uri: "/api/v1/ml/detect",
            body: "{\"timestamp\":\"yesterday\",\"service\":\"api\",\"metric\":\"cpu_usage\",\"value\":1}", status: .badRequest,
            code: "invalid_field", field: "timestamp", mentions: "milliseconds since the epoch or ISO 8601 text"),
        Case(
            name: "unknown metric without feature tags", uri: "/api/v1/ml/detect", body: metric(metric: "temperature", value: 1),
            status: .badRequest, code: "unknown_metric", field: "metric", mentions: "not a feature"),
        Case(
            name: "non-numeric feature tag", uri: "/api/v1/ml/detect", body: metric(value: 1, tags: "{\"memory_usage\":\"lots\"}"),
            status: .badRequest, code: "invalid_field", field: "tags.memory_usage", mentions: "must be a number"),
        Case(
            name: "hexadecimal feature tag", uri: "/api/v1/ml/detect", body: metric(value: 1, tags: "{\"memory_usage\":\"0x10\"}"),
            status: .badRequest, code: "invalid_field", field: "tags.memory_usage", mentions: "must be a number"),
        Case(
            name: "hexadecimal timestamp text", uri: "/api/v1/ml/detect",
            body: "{\"timestamp\":\"0x10\",\"service\":\"api\",\"metric\":\"cpu_usage\",\"value\":1}", status: .badRequest,
            code: "invalid_field", field: "timestamp", mentions: "milliseconds since the epoch or ISO 8601 text"),
        Case(
            name: "bad item in a batch", uri: "/api/v1/ml/detect/batch", body: "[\(normalVector), {\"cpu_usage\":true}]", status: .badRequest,
            code: "invalid_field", field: "[1].cpu_usage", mentions: "must be a number"),
        Case(name: "empty batch", uri: "/api/v1/ml/detect/batch", body: "[]", status: .badRequest, code: "empty_batch", mentions: "no items"),
        Case(
            name: "batch that is not an array", uri: "/api/v1/ml/detect/batch", body: normalVector, status: .badRequest, code: "invalid_body",
            mentions: "JSON array"),
        Case(
            name: "wrong content type", uri: "/predict", body: normalVector, contentType: "text/plain", status: .unsupportedMediaType,
            code: "unsupported_media_type", mentions: "application/json"),
        Case(
            name: "content type that only starts like JSON", uri: "/predict", body: normalVector, contentType: "application/jsonx",
            status: .unsupportedMediaType, code: "unsupported_media_type", mentions: "application/json"),
        Case(
            name: "charset other than UTF-8", uri: "/predict", body: normalVector, contentType: "application/json; charset=latin1",
            status: .unsupportedMediaType, code: "unsupported_media_type", mentions: "send UTF-8"),
        Case(name: "unknown route", uri: "/api/v1/nothing", method: .get, status: .notFound, code: "not_found", mentions: "/docs"),
        Case(name: "wrong method", uri: "/predict", method: .get, status: .methodNotAllowed, code: "method_not_allowed", mentions: "use POST"),
        Case(
            name: "wrong method on a path the router normalizes", uri: "//predict/", method: .get, status: .methodNotAllowed,
            code: "method_not_allowed", mentions: "use POST"),
        Case(
            name: "bad severity filter", uri: "/api/v1/ml/alerts?severity=urgent", method: .get, status: .badRequest, code: "invalid_field",
            field: "severity", mentions: "one of"),
        Case(
            name: "bad limit", uri: "/api/v1/ml/alerts?limit=0", method: .get, status: .badRequest, code: "invalid_field", field: "limit",
            mentions: "1 to 1000"),
        Case(
            name: "bad time filter", uri: "/api/v1/ml/alerts?since=yesterday", method: .get, status: .badRequest, code: "invalid_field",
            field: "since", mentions: "ISO 8601"),
        Case(
            name: "unknown alert filter", uri: "/api/v1/ml/alerts?colour=red", method: .get, status: .badRequest, code: "invalid_parameter",
            field: "colour", mentions: "unknown query parameter"),
        Case(
            name: "alert filter given twice", uri: "/api/v1/ml/alerts?limit=5&limit=abc", method: .get, status: .badRequest,
            code: "invalid_parameter", field: "limit", mentions: "more than once"),
        Case(
            name: "made-up alert cursor", uri: "/api/v1/ml/alerts?cursor=page2", method: .get, status: .badRequest, code: "invalid_field",
            field: "cursor", mentions: "next_cursor"),
    ]

    @Test(arguments: cases)
    func malformedRequestsGetAJSONErrorNamingTheProblem(_ example: Case) async throws {
        try await TestService.test(try TestService.make()) { client in
            let response = try await client.execute(
                uri: example.uri, method: example.method, headers: [.contentType: example.contentType],
                body: example.body.map { ByteBuffer(string: $0) })
            #expect(response.status == example.status, "\(response.text)")
            #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
            let body = response.object
            #expect(body["success"] as? Bool == false)
            #expect(body["code"] as? String == example.code, "\(response.text)")
            #expect(body["field"] as? String == example.field)
            #expect((body["error"] as? String)?.contains(example.mentions) == true, "\(response.text)")
        }
    }

    @Test func oversizedBodiesAndBatchesGet413() async throws {
        let service = try TestService.make {
            $0.bodyLimit = 4096
            $0.batchBodyLimit = 8192
            $0.batchLimit = 3
        }
        try await TestService.test(service) { client in
            let huge = "{\"pad\":\"" + String(repeating: "x", count: 5000) + "\"}"
            let body = try await client.post("/predict", json: huge)
            #expect(body.status == .contentTooLarge)
            #expect(body.object["code"] as? String == "body_too_large")
            #expect(body.object["error"] as? String == "the body is larger than this endpoint's limit of 4 KiB (--body-limit)")
            let batch = try await client.post("/api/v1/ml/detect/batch", json: "[\(normalVector),\(normalVector),\(normalVector),\(normalVector)]")
            #expect(batch.status == .contentTooLarge)
            #expect((batch.object["error"] as? String)?.contains("at most 3") == true)
            // Parsing stops at the item past the limit: what follows it is never read (a body of
            // millions of tiny items used to be built whole in memory first).
            for (body, type) in [
                ("[\(normalVector),\(normalVector),\(normalVector),{\"unfinished", "application/json"),
                ("\(normalVector)\n\(normalVector)\n\n\(normalVector)\n{\"unfinished", "application/x-ndjson"),
            ] {
                let cut = try await client.post("/api/v1/ml/detect/batch", json: body, headers: [.contentType: type])
                #expect(cut.status == .contentTooLarge, "\(type)")
                #expect(cut.object["code"] as? String == "batch_too_large")
                #expect(cut.object["error"] as? String == "the batch holds more than 3 items; at most 3 are accepted")
            }
            // At the limit, a trailing comma is a syntax error, not one item too many.
            let trailing = try await client.post("/api/v1/ml/detect/batch", json: "[\(normalVector),\(normalVector),\(normalVector),]")
            #expect(trailing.status == .badRequest)
            #expect(trailing.object["code"] as? String == "invalid_json")
            let hugeBatch = try await client.post(
                "/api/v1/ml/detect/batch", json: "[" + String(repeating: "\(normalVector),", count: 100) + "\(normalVector)]")
            #expect(hugeBatch.status == .contentTooLarge)
            #expect(hugeBatch.object["code"] as? String == "body_too_large")
            #expect(hugeBatch.object["error"] as? String == "the body is larger than this endpoint's limit of 8 KiB (--batch-body-limit)")
        }
    }

    @Test func deeplyNestedJSONIsRefusedNotRecursedInto() async throws {
        try await TestService.test(try TestService.make()) { client in
            let nested = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
            let response = try await client.post("/api/v1/ml/detect/batch", json: nested)
            #expect(response.status == .badRequest)
            #expect((response.object["error"] as? String)?.contains("nesting deeper") == true)
        }
    }
}

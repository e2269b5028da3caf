import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import VigilKafka
import VigilServer

/// Real responses checked against the schemas of `/openapi.json`: the document must not drift
/// from the code.
@Suite struct OpenAPIConformanceTests {
    /// A validator for the subset of OpenAPI 3.0 schemas the document uses, over Vigil's own
    /// JSON values (Foundation's parser on Linux cannot tell `true` from `1`).
    struct SchemaValidator {
        let document: JSONValue

        func member(_ value: JSONValue?, _ key: String) -> JSONValue? {
            if case .object(let object)? = value { return object[key] }
            return nil
        }

        func resolve(_ schema: JSONValue) -> JSONValue {
            guard case .string(let reference)? = member(schema, "$ref") else { return schema }
            var node: JSONValue? = document
            for part in reference.dropFirst(2).split(separator: "/") { node = member(node, String(part)) }
            return resolve(node!)
        }

        func strings(_ value: JSONValue?) -> [String] {
            guard case .array(let items)? = value else { return [] }
            return items.compactMap { if case .string(let text) = $0 { text } else { nil } }
        }

        /// Problems of `value` against `schema`, with JSON paths.
        func problems(_ value: JSONValue, _ schema: JSONValue, at path: String = "$") -> [String] {
            let schema = resolve(schema)
            if case .array(let options)? = member(schema, "oneOf") {
                return options.contains { problems(value, $0, at: path).isEmpty } ? [] : ["\(path): matches no oneOf option"]
            }
            if value == .null { return member(schema, "nullable") == .bool(true) ? [] : ["\(path): null is not allowed"] }
            var found: [String] = []
            guard case .string(let type)? = member(schema, "type") else { return [] }
            switch (type, value) {
            case ("object", .object(let object)):
                for key in strings(member(schema, "required")) where object[key] == nil { found.append("\(path).\(key): required but missing") }
                let properties = member(schema, "properties")
                for (key, item) in object {
                    if let property = member(properties, key) {
                        found += problems(item, property, at: "\(path).\(key)")
                    } else if let additional = member(schema, "additionalProperties") {
                        found += problems(item, additional, at: "\(path).\(key)")
                    } else if properties != nil {
                        found.append("\(path).\(key): not in the schema")
                    }
                }
            case ("array", .array(let items)):
                if let itemSchema = member(schema, "items") {
                    for (index, item) in items.enumerated() { found += problems(item, itemSchema, at: "\(path)[\(index)]") }
                }
            case ("string", .string(let text)):
                let allowed = strings(member(schema, "enum"))
                if !allowed.isEmpty, !allowed.contains(text) { found.append("\(path): '\(text)' not in \(allowed)") }
            case ("boolean", .bool):
                break
            case ("number", .number(let number)), ("integer", .number(let number)):
                if type == "integer", number.rounded() != number { found.append("\(path): expected an integer") }
                if case .number(let minimum)? = member(schema, "minimum"), number < minimum { found.append("\(path): below \(minimum)") }
                if case .number(let maximum)? = member(schema, "maximum"), number > maximum { found.append("\(path): above \(maximum)") }
            default:
                found.append("\(path): expected \(type)")
            }
            return found
        }

        /// The response schema of `method path` for `status`.
        func responseSchema(_ path: String, _ method: String, _ status: Int) -> JSONValue? {
            let operation = member(member(member(document, "paths"), path), method)
            guard let response = member(member(operation, "responses"), String(status)) else { return nil }
            return member(member(member(resolve(response), "content"), "application/json"), "schema")
        }
    }

    @Test func everyResponseMatchesItsDocumentedSchema() async throws {
        let service = try TestService.make()
        try await TestService.test(service) { client in
            let validator = SchemaValidator(document: try JSONParser.parse(try await client.get("/openapi.json").text))
            let tags = "{\"memory_usage\":50,\"disk_io\":50,\"network_io\":50,\"response_time\":50}"
            let exchanges: [(String, String, String, String?, HTTPFields)] = [
                ("/predict", "/predict", "post", normalVector, [.contentType: "application/json"]),
                ("/predict", "/predict", "post", "{\"cpu_usage\":1}", [.contentType: "application/json"]),
                ("/api/v1/ml/detect", "/api/v1/ml/detect", "post", metric(value: 900, tags: tags), [.contentType: "application/json"]),
                ("/api/v1/ml/detect", "/api/v1/ml/detect", "post", metric(service: "bad name", value: 1), [.contentType: "application/json"]),
                (
                    "/api/v1/ml/detect/batch", "/api/v1/ml/detect/batch", "post", "[\(normalVector),\(metric(value: 3))]",
                    [.contentType: "application/json"]
                ),
                ("/api/v1/ml/model-info", "/api/v1/ml/model-info", "get", nil, [:]),
                ("/api/v1/ml/alerts", "/api/v1/ml/alerts", "get", nil, [:]),
                ("/api/v1/ml/alerts?limit=x", "/api/v1/ml/alerts", "get", nil, [:]),
                ("/health", "/health", "get", nil, [:]),
                ("/ready", "/ready", "get", nil, [:]),
                ("/api/v1/ml/model/reload", "/api/v1/ml/model/reload", "post", nil, [:]),
            ]
            for (uri, path, method, body, headers) in exchanges {
                let response = try await client.execute(
                    uri: uri, method: HTTPRequest.Method(rawValue: method.uppercased())!, headers: headers, body: body.map { ByteBuffer(string: $0) })
                let schema = try #require(
                    validator.responseSchema(path, method, Int(response.status.code)),
                    "\(method) \(uri): status \(response.status.code) is not documented")
                let value = try JSONParser.parse(response.text)
                let problems = validator.problems(value, schema)
                #expect(problems.isEmpty, "\(method) \(uri) → \(response.status.code): \(problems)")
            }
            // The alert raised above, listed.
            let alerts = try await client.get("/api/v1/ml/alerts")
            #expect((alerts.object["alerts"] as? [Any])?.count == 1)
            let schema = validator.responseSchema("/api/v1/ml/alerts", "get", 200)!
            #expect(validator.problems(try JSONParser.parse(alerts.text), schema).isEmpty)
        }
    }

    /// `/health` with Kafka configured (producer and consumer) matches its schema too.
    @Test func healthWithKafkaMatchesItsDocumentedSchema() async throws {
        let cluster = try KafkaMockCluster()
        try cluster.createTopic("metrics", partitions: 1)
        let service = try KafkaPipelineTests.service(cluster, metrics: true)
        try await service.application().test(.live) { client in
            let validator = SchemaValidator(document: try JSONParser.parse(try await client.get("/openapi.json").text))
            let response = try await client.get("/health")
            let health = try JSONParser.parse(response.text)
            guard case .object(let object) = health, case .object(let kafka)? = object["kafka"] else {
                Issue.record("no Kafka object in /health: \(response.text)")
                return
            }
            #expect(kafka["consumer"] != nil)
            let schema = try #require(validator.responseSchema("/health", "get", Int(response.status.code)))
            let problems = validator.problems(health, schema)
            #expect(problems.isEmpty, "\(problems)")
        }
    }

    /// The reference page names each field's type, also where the schema refers to another or
    /// offers alternatives.
    @Test func theReferencePageNamesFieldTypes() async throws {
        try await TestService.test(try TestService.make()) { client in
            let page = try await client.get("/docs").text
            #expect(page.contains("<code>cpu_usage</code> number, required"))
            #expect(page.contains("<code>timestamp</code> number or string"))
            #expect(page.contains("<code>tags</code> object or null"))
        }
    }
}

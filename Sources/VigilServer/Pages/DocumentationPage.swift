import Foundation

/// `/docs`: the OpenAPI document as a plain HTML reference, rendered by Vigil itself (no CDN,
/// no JavaScript), so it works on an isolated network.
enum DocumentationPage {
    static let html: String = render(OpenAPIDocument.json)

    static func render(_ specification: String) -> String {
        guard let document = try? JSONSerialization.jsonObject(with: Data(specification.utf8)) as? [String: Any],
            let info = document["info"] as? [String: Any], let paths = document["paths"] as? [String: [String: Any]]
        else { return "<!doctype html><title>Vigil API</title><p>The API description could not be rendered; see /openapi.json.</p>" }
        let schemas = (document["components"] as? [String: Any])?["schemas"] as? [String: Any] ?? [:]
        var body =
            "<h1>\(HTMLText.escape(info["title"] as? String ?? "Vigil")) API <small>\(HTMLText.escape(info["version"] as? String ?? ""))</small></h1>"
        body += "<p>\(HTMLText.escape(info["description"] as? String ?? ""))</p><p>Machine-readable: <a href=\"/openapi.json\">/openapi.json</a>.</p>"
        for path in paths.keys.sorted(by: order) {
            for (method, value) in paths[path]!.sorted(by: { $0.key < $1.key }) {
                guard let operation = value as? [String: Any] else { continue }
                body += "<section><h2><span class=\"method \(method)\">\(method.uppercased())</span> <code>\(HTMLText.escape(path))</code></h2>"
                body += "<p><b>\(HTMLText.escape(operation["summary"] as? String ?? ""))</b></p>"
                if let description = operation["description"] as? String { body += "<p>\(HTMLText.escape(description))</p>" }
                if let parameters = operation["parameters"] as? [[String: Any]] {
                    body += "<h3>Query parameters</h3><ul>"
                    for parameter in parameters {
                        let schema = parameter["schema"] as? [String: Any] ?? [:]
                        body +=
                            "<li><code>\(HTMLText.escape(parameter["name"] as? String ?? ""))</code> (\(HTMLText.escape(schema["type"] as? String ?? "")))"
                        if let values = schema["enum"] as? [String] { body += ": one of \(HTMLText.escape(values.joined(separator: ", ")))" }
                        if let note = parameter["description"] as? String { body += ": \(HTMLText.escape(note))" }
                        body += "</li>"
                    }
                    body += "</ul>"
                }
                if let request = operation["requestBody"] as? [String: Any], let content = request["content"] as? [String: Any] {
                    body += "<h3>Body</h3><p>\(content.keys.sorted().map { "<code>\(HTMLText.escape($0))</code>" }.joined(separator: " or "))</p>"
                    if let schema = (content["application/json"] as? [String: Any])?["schema"] as? [String: Any] {
                        body += describe(schema, schemas: schemas)
                    }
                }
                if let responses = operation["responses"] as? [String: Any] {
                    body += "<h3>Responses</h3><ul>"
                    for code in responses.keys.sorted() {
                        let response = responses[code] as? [String: Any] ?? [:]
                        let text =
                            response["description"] as? String ?? (response["$ref"] != nil ? "an error: {success: false, error, code, field?}" : "")
                        body += "<li><code>\(HTMLText.escape(code))</code> \(HTMLText.escape(text))</li>"
                    }
                    body += "</ul>"
                }
                body += "</section>"
            }
        }
        return """
            <!doctype html><html lang="en"><head><meta charset="utf-8"><title>Vigil API</title>
            <style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
            section{border-top:1px solid #ddd;padding:.5rem 0}code,pre{background:#f4f4f4;padding:.1rem .3rem;border-radius:3px}
            pre{padding:.6rem;overflow:auto}.method{font-family:monospace;padding:.1rem .4rem;border-radius:3px;color:#fff}
            .get{background:#2b7}.post{background:#27b}h2{font-size:1.1rem}h3{font-size:.95rem;margin-bottom:.2rem}</style></head>
            <body>\(body)</body></html>
            """
    }

    /// Paths in the order a reader needs them: scoring first, operations last.
    private static func order(_ a: String, _ b: String) -> Bool {
        func rank(_ path: String) -> Int {
            path == "/predict" ? 0 : path.hasPrefix("/api/v1/ml/detect") ? 1 : path.hasPrefix("/api/") ? 2 : 3
        }
        return (rank(a), a) < (rank(b), b)
    }

    private static func describe(_ schema: [String: Any], schemas: [String: Any]) -> String {
        var schema = schema
        if let reference = schema["$ref"] as? String, let resolved = schemas[String(reference.split(separator: "/").last ?? "")] as? [String: Any] {
            schema = resolved
        }
        var text = ""
        if let properties = schema["properties"] as? [String: Any] {
            let required = Set(schema["required"] as? [String] ?? [])
            text += "<ul>"
            for name in properties.keys.sorted() {
                let property = properties[name] as? [String: Any] ?? [:]
                text +=
                    "<li><code>\(HTMLText.escape(name))</code> \(HTMLText.escape(typeName(property, schemas: schemas)))\(required.contains(name) ? ", required" : "")"
                if let note = property["description"] as? String { text += ": \(HTMLText.escape(note))" }
                text += "</li>"
            }
            text += "</ul>"
        }
        if let example = schema["example"],
            let data = try? JSONSerialization.data(withJSONObject: example, options: [.prettyPrinted, .sortedKeys])
        {
            text += "<p>Example:</p><pre>\(HTMLText.escape(String(decoding: data, as: UTF8.self)))</pre>"
        }
        return text
    }

    /// A property's type as a reader names it: `number`, `array of string`, `number or string`,
    /// `object or null`, or a named object schema (`Metric`); a reference to a plain schema
    /// (`Value`) reads as its type.
    static func typeName(_ schema: [String: Any], schemas: [String: Any]) -> String {
        if let reference = schema["$ref"] as? String {
            let name = String(reference.split(separator: "/").last ?? "")
            guard let resolved = schemas[name] as? [String: Any], resolved["properties"] == nil else { return name }
            return typeName(resolved, schemas: schemas)
        }
        var name: String
        if let options = (schema["oneOf"] ?? schema["anyOf"]) as? [[String: Any]] {
            name = options.map { typeName($0, schemas: schemas) }.joined(separator: " or ")
        } else if let type = schema["type"] as? String {
            name = type
            if type == "array", let items = schema["items"] as? [String: Any] { name += " of \(typeName(items, schemas: schemas))" }
        } else {
            name = "any"
        }
        return schema["nullable"] as? Bool == true ? name + " or null" : name
    }
}

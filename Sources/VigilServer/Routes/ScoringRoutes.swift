import Foundation
import Hummingbird
import VigilDetect

/// `POST /predict`, `POST /api/v1/ml/detect` and `POST /api/v1/ml/detect/batch`.
struct ScoringRoutes: Sendable {
    let pipeline: DetectionPipeline
    let configuration: ServerConfiguration

    func register(on router: Router<BasicRequestContext>) {
        router.post("/predict") { request, _ in try await predict(request) }
        router.post("/api/v1/ml/detect") { request, _ in try await detect(request) }
        router.post("/api/v1/ml/detect/batch") { request, _ in try await batch(request) }
    }

    /// The model server's contract: a full vector in, the seed's fields (and `feature_scores`) out.
    func predict(_ request: Request) async throws -> Response {
        var request = request
        let body = try await request.jsonBody(limit: configuration.bodyLimit).value!
        let values: [Double]
        do {
            values = try RequestFields(body).vector(features: pipeline.features)
        } catch {
            throw pipeline.withoutModel(error)
        }
        return .json(pipeline.predict(values).json())
    }

    /// The ML service's contract: one metric in, `{success, result}` out.
    func detect(_ request: Request) async throws -> Response {
        var request = request
        let body = try await request.jsonBody(limit: configuration.bodyLimit).value!
        let event: MetricEvent
        do {
            event = try RequestFields(body).metricEvent(features: pipeline.features)
        } catch {
            throw pipeline.withoutModel(error)
        }
        let result = try await pipeline.detect(event)
        return .json("{\"success\":true,\"result\":\(result.json())}")
    }

    /// Up to ``ServerConfiguration/batchLimit`` metrics or vectors (a JSON array, or NDJSON),
    /// validated as a whole before any is scored; results in order.
    func batch(_ request: Request) async throws -> Response {
        var request = request
        // Parsing stops at the item past the limit: a body of millions of tiny items is refused
        // before it is built in memory.
        let limit = configuration.batchLimit
        let (parsed, raw) = try await request.jsonBody(limit: configuration.batchBodyLimit, allowNDJSON: true, maximumItems: limit)
        // NDJSON items also know their lines: an error names both (`[1].value`, line 3).
        let (items, lines): ([JSONValue], [Int]?) =
            try parsed.map { (try Self.arrayItems($0), nil) } ?? Self.ndjsonItems(raw, maximumItems: limit)
        guard !items.isEmpty else { throw APIError(.badRequest, code: "empty_batch", message: "the batch holds no items") }
        let features = pipeline.features
        let decoded = try items.enumerated().map { index, item throws(APIError) -> BatchItem in
            do throws(APIError) {
                let fields = try RequestFields(item, path: "[\(index)]")
                if fields.object["metric"] != nil { return .event(try fields.metricEvent(features: features)) }
                return .vector(try fields.vector(features: features))
            } catch {
                guard let lines else { throw pipeline.withoutModel(error) }
                var located = pipeline.withoutModel(error)
                located.message += " (line \(lines[index]) of the NDJSON body)"
                throw located
            }
        }
        // Vectors are scored together through the batched model; metrics in order too, in one
        // model pass and one store transaction (all of their alerts are stored, or none).
        let vectors = decoded.compactMap { if case .vector(let values) = $0 { values } else { nil } }
        let events = decoded.compactMap { if case .event(let event) = $0 { event } else { nil } }
        var vectorResults = pipeline.predict(batch: vectors).makeIterator()
        var eventResults = try await pipeline.detect(batch: events).makeIterator()
        let results = decoded.map { item in
            switch item {
            case .event: eventResults.next()!
            case .vector: vectorResults.next()!
            }
        }
        var text = "{\"success\":true,\"count\":\(results.count),\"results\":["
        text.reserveCapacity(results.count * 400)
        var writer = ScoreWriter(features: results[0].features)
        for (index, result) in results.enumerated() {
            if index > 0 { text += "," }
            if index > 0, result.features != results[index - 1].features { writer = ScoreWriter(features: result.features) }
            result.write(with: writer, to: &text)
        }
        return .json(text + "]}")
    }

    enum BatchItem {
        case event(MetricEvent)
        case vector([Double])
    }

    static func arrayItems(_ value: JSONValue) throws(APIError) -> [JSONValue] {
        guard case .array(let items) = value else {
            throw APIError(.badRequest, code: "invalid_body", message: "the batch must be a JSON array (or NDJSON lines), found \(value.kind)")
        }
        return items
    }

    /// The items of an NDJSON body, and the line of each (blank lines are skipped); more than
    /// `maximumItems` is 413, found without parsing the lines after.
    static func ndjsonItems(_ buffer: ByteBuffer, maximumItems: Int) throws(APIError) -> (items: [JSONValue], lines: [Int]) {
        var items: [JSONValue] = []
        var lines: [Int] = []
        var lineNumber = 0
        // Split on the bytes (as a String, "\r\n" is one Character, which "\n" does not match),
        // a line at a time: no list of every line is built first.
        let bytes = buffer.readableBytesView
        var start = bytes.startIndex
        while start <= bytes.endIndex {
            let end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.endIndex
            let line = bytes[start..<end]
            start = end + 1
            lineNumber += 1
            let text = line.last == UInt8(ascii: "\r") ? line.dropLast() : line
            guard !text.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") || $0 == UInt8(ascii: "\r") }) else { continue }
            guard items.count < maximumItems else { throw .tooManyItems(maximumItems) }
            do {
                items.append(try JSONParser.parse(Array(text)))
                lines.append(lineNumber)
            } catch {
                throw APIError(.badRequest, code: "invalid_json", message: "line \(lineNumber): \(error.description)")
            }
        }
        return (items, lines)
    }
}

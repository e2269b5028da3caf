import Foundation
import VigilDetect

/// The metric messages Vigil reads: the seed's `{timestamp, service, metric, value, tags?}`, or a
/// vector `{timestamp?, service, <every feature>: number}`.
enum KafkaMetricDecoder {
    static func event(from bytes: [UInt8], features: [String]) throws(APIError) -> MetricEvent {
        guard !bytes.isEmpty else { throw APIError(.badRequest, code: "invalid_json", message: "the message is empty (a null or empty payload)") }
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            throw APIError(.badRequest, code: "invalid_json", message: "the message is not valid JSON: \(error.reason) at byte \(error.offset)")
        }
        guard case .object = value else {
            throw APIError(.badRequest, code: "invalid_body", message: "the message must be a JSON object, found \(value.kind)")
        }
        let fields = try RequestFields(value)
        if fields.object["metric"] != nil { return try fields.metricEvent(features: features) }
        let service = try fields.name(of: "service")
        let timestamp = try fields.timestamp() ?? Date().timeIntervalSince1970 * 1000
        let values = try fields.vector(features: features)
        return MetricEvent(
            timestamp: timestamp, service: service, metric: features[0], value: values[0],
            tags: Dictionary(uniqueKeysWithValues: zip(features, values).dropFirst().map { ($0, $1) }))
    }
}

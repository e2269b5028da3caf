import Foundation
import VigilDetect

extension RequestFields {
    /// The latest timestamp accepted: year 5138 in milliseconds.
    static let timestampLimit = 1e14
    /// How far ahead of this server's clock a timestamp may be, in milliseconds. One stamped
    /// further ahead (a producer's clock a day off) would become its service's newest reading,
    /// and every event after it would be late until the clock caught up: the service unjudged.
    static let futureTolerance = 3_600_000.0

    /// The seed's metric body: `{timestamp, service, metric, value, tags?}`.
    ///
    /// `timestamp` is milliseconds since the epoch (numbers below 1e11 are read as seconds), or
    /// ISO 8601 text (see ``timestamp()``). Tags naming one of `features` must be numbers (or
    /// numeric strings, as the seed's schema typed tags as strings); other tags are ignored.
    /// Either the metric or a tag must name a feature.
    func metricEvent(features: [String]) throws(APIError) -> MetricEvent {
        guard let timestamp = try timestamp() else { throw .missingField(name("timestamp")) }
        let service = try name(of: "service")
        let metric = try name(of: "metric")
        let value = try number("value")
        var tags: [String: Double] = [:]
        if let rawTags = object["tags"], rawTags != .null {
            guard case .object(let entries) = rawTags else { throw .invalidField(name("tags"), "must be an object, found \(rawTags.kind)") }
            for (key, tag) in entries where features.contains(key) {
                let field = name("tags.\(key)")
                switch tag {
                case .number:
                    tags[key] = try Self.number(tag, field: field)
                case .string(let text):
                    guard let parsed = Double(decimal: text.trimmingCharacters(in: .whitespaces)) else {
                        throw .invalidField(field, "must be a number, found the string \(JSONText.string(String(text.prefix(64))))")
                    }
                    tags[key] = try Self.number(.number(parsed), field: field)
                default:
                    throw .invalidField(field, "must be a number, found \(tag.kind)")
                }
            }
        }
        guard features.contains(metric) || !tags.isEmpty else {
            // Its own code: the same metric may be right for another model (see `withoutModel`).
            throw APIError(
                .badRequest, code: "unknown_metric",
                message:
                    "field '\(name("metric"))' '\(metric)' is not a feature of the model (\(features.joined(separator: ", "))) and no tag names one",
                field: name("metric"))
        }
        return MetricEvent(timestamp: timestamp, service: service, metric: metric, value: value, tags: tags)
    }

    /// The `timestamp` field in milliseconds since the epoch, `nil` when absent: a number
    /// (milliseconds; below 1e11, seconds, as the seed's producers may send), or text: ISO 8601
    /// (`2026-11-25T12:00:00Z`, with optional fractions and offset), as files give it, or a
    /// number read the same way.
    func timestamp() throws(APIError) -> Double? {
        guard let value = object["timestamp"], value != .null else { return nil }
        var milliseconds: Double
        switch value {
        case .string(let text):
            guard let seconds = TimeValue.seconds(Substring(text.trimmingCharacters(in: .whitespaces))) else {
                throw .invalidField(
                    name("timestamp"),
                    "must be milliseconds since the epoch or ISO 8601 text, found the string \(JSONText.string(String(text.prefix(64))))")
            }
            milliseconds = seconds * 1000
        case .number(let number):
            guard number.isFinite, number >= 0, number <= Self.timestampLimit else {
                throw .invalidField(
                    name("timestamp"), "must be from 0 to 1e14 (milliseconds since the epoch; below 1e11, seconds), found \(number)")
            }
            milliseconds = number < 1e11 ? number * 1000 : number
        default:
            throw .invalidField(name("timestamp"), "must be milliseconds since the epoch or ISO 8601 text, found \(value.kind)")
        }
        guard milliseconds >= 0 else { throw .invalidField(name("timestamp"), "must not be negative") }
        guard milliseconds <= Self.timestampLimit else { throw .invalidField(name("timestamp"), "is after the year 5138") }
        let now = Date().timeIntervalSince1970 * 1000
        guard milliseconds <= now + Self.futureTolerance else {
            let hours = (milliseconds - now) / 3_600_000
            let ahead = hours < 48 ? String(format: "%.1f hours", hours) : String(format: "%.1f days", hours / 24)
            throw .invalidField(name("timestamp"), "is \(ahead) ahead of this server's clock (at most 1 hour is accepted): check the sender's clock")
        }
        return milliseconds
    }

    /// A full vector: one number per feature.
    func vector(features: [String]) throws(APIError) -> [Double] {
        var values: [Double] = []
        values.reserveCapacity(features.count)
        for feature in features { values.append(try number(feature)) }
        return values
    }
}

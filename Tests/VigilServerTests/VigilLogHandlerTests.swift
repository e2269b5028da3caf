import Foundation
import Logging
import Testing

@testable import VigilServer

/// JSON log lines keep the types of their metadata, for log shippers that filter on them.
@Suite struct VigilLogHandlerTests {
    @Test func numbersStayNumbersAndTextStaysText() throws {
        let data = VigilLogHandler.json(
            time: "2026-11-26T00:00:00Z", level: .warning, label: "vigil", message: "undecodable metric",
            metadata: [
                "partition": .stringConvertible(Int32(3)), "offset": .stringConvertible(Int64(1_234_567)), "score": .stringConvertible(0.75),
                "flushed": .stringConvertible(true), "reason": "field 'value' must be a number", "version": "1",
                "not_a_number": .stringConvertible(Double.nan), "nested": .dictionary(["lag": .stringConvertible(5)]),
                // Metadata does not replace the line's own fields.
                "level": "debug",
            ])
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect((object["partition"] as? NSNumber)?.intValue == 3)
        #expect((object["offset"] as? NSNumber)?.int64Value == 1_234_567)
        #expect((object["score"] as? NSNumber)?.doubleValue == 0.75)
        #expect(object["flushed"] as? Bool == true)
        #expect(object["reason"] as? String == "field 'value' must be a number")
        // Text that looks like a number stays text.
        #expect(object["version"] as? String == "1")
        #expect(object["not_a_number"] as? String == "nan")
        #expect(((object["nested"] as? [String: Any])?["lag"] as? NSNumber)?.intValue == 5)
        #expect(object["level"] as? String == "warning")
        #expect(object["message"] as? String == "undecodable metric")
        // Numbers are written as numbers, not quoted.
        #expect(String(decoding: data, as: UTF8.self).contains("\"offset\":1234567"))
    }
}

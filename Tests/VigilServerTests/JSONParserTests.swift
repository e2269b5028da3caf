import Testing
import VigilServer

@Suite struct JSONParserTests {
    /// RFC 8259 lets a parser ignore a byte order mark; Vigil does (PowerShell writes one).
    @Test func aByteOrderMarkIsSkipped() throws {
        #expect(try JSONParser.parse([0xEF, 0xBB, 0xBF] + Array("{\"a\":1}".utf8)) == .object(["a": .number(1)]))
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse([0xEF, 0xBB, 0xBF]) }
    }

    @Test func parsesTheGrammar() throws {
        let value = try JSONParser.parse(#" {"a": [1, -2.5e2, true, false, null], "b": "x\"y\u00e9\ud83d\ude00", "c": {}} "#)
        #expect(
            value
                == .object(["a": .array([.number(1), .number(-250), .bool(true), .bool(false), .null]), "b": .string("x\"yé😀"), "c": .object([:])]))
    }

    @Test(arguments: ["", "{", "[1,]", "{\"a\" 1}", "01", "1.", "-", "tru", "\"\\x\"", "{\"a\":1}x", "NaN", "\"\u{01}\""])
    func rejectsInvalidDocuments(_ text: String) {
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(text) }
    }
}

import Foundation
import Testing

@testable import TaskQueue

/// `JSONValue.jsonText` is written by hand: it must be byte for byte what `JSONEncoder`
/// (`.sortedKeys`, `.withoutEscapingSlashes`) writes, and read back as the same value.
@Suite struct JSONValueTests {
    static func encoded(_ value: JSONValue) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    @Test(arguments: [
        JSONValue.string("a\u{1}b\"\\/\n\r\t\u{8}\u{c}\u{1f}\u{7f}é😀 "),
        .array([.double(100), .double(1.5), .double(0.1), .double(1e20), .double(1e-7), .double(-0.0), .double(3e15), .double(1.0 / 3)]),
        .array([.int(.min), .int(.max), .int(0), .bool(true), .bool(false), .null, .array([]), .object([:])]),
        .object(["a10": 1, "a2": 2, "B": 3, "a": 4, "_x": 5, "b": ["nested": ["deep": [1, "two", nil]]], "é": 7, "Z": 8]),
        .object(["state": "succeeded", "status_code": 200, "attempts": 1, "timing": .double(2.25)]),
    ])
    func isWhatJSONEncoderWrites(value: JSONValue) throws {
        #expect(value.jsonText == (try Self.encoded(value)))
        #expect(try JSONValue(parsing: value.jsonText) == value || value.jsonText.contains("-0"))
    }

    @Test func randomValuesMatchTheEncoder() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let value = RandomJSON.value(using: &generator)
            #expect(value.jsonText == (try Self.encoded(value)))
        }
    }
}

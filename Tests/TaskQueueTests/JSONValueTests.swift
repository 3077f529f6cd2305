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
        func random(depth: Int) -> JSONValue {
            switch Int.random(in: 0..<(depth > 2 ? 5 : 7), using: &generator) {
            case 0: return .null
            case 1: return .bool(Bool.random(using: &generator))
            case 2: return .int(Int64.random(in: .min ... .max, using: &generator))
            case 3: return .double(Double.random(in: -1e12...1e12, using: &generator))
            case 4:
                let scalars = (0..<Int.random(in: 0..<12, using: &generator)).compactMap { _ in
                    Unicode.Scalar(UInt32.random(in: 0..<0x2FF, using: &generator))
                }
                return .string(String(String.UnicodeScalarView(scalars)))
            case 5: return .array((0..<Int.random(in: 0..<4, using: &generator)).map { _ in random(depth: depth + 1) })
            default:
                var members: [String: JSONValue] = [:]
                for _ in 0..<Int.random(in: 0..<4, using: &generator) {
                    members["k\(Int.random(in: 0..<50, using: &generator))"] = random(depth: depth + 1)
                }
                return .object(members)
            }
        }
        for _ in 0..<2000 {
            let value = random(depth: 0)
            #expect(value.jsonText == (try Self.encoded(value)))
        }
    }
}

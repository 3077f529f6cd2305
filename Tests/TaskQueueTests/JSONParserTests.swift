import Foundation
import Testing

@testable import TaskQueue

/// `JSONValue(parsing:)` is `JSONParser`, written by hand: it must accept and reject what
/// `JSONDecoder` did, and give the same value for what it accepts.
@Suite struct JSONParserTests {
    static func decoded(_ bytes: [UInt8]) -> JSONValue? {
        try? JSONDecoder().decode(JSONValue.self, from: Data(bytes))
    }

    static func parsed(_ bytes: [UInt8]) -> JSONValue? {
        try? JSONValue(parsing: Data(bytes))
    }

    @Test(arguments: [
        // numbers
        "0", "-0", "-0.0", "1.0", "1e2", "1.5e1", "2.0e0", "1.0e+2", "0e0", "0.0e-0", "0.1", "-1e18", "1e-400", "4.9e-324",
        "1.7976931348623157e308", "1E400", "-1E400", "9223372036854775807", "9223372036854775808", "-9223372036854775808",
        "-9223372036854775809", "-9223372036854775808.0", "-9.223372036854775808e18", "-9223372036854774784.0",
        "9223372036854774784.0", "9007199254740993.0", "9007199254740993.5", "-9007199254740993.7", "1e300",
        "9223372036854775295.0", "9223372036854775296.0", "-9223372036854775807.0", "12345678901234567.89e1", "1.5e17",
        "90071992547409930e-1", "0.00000000000000000000090071992547409935e38", "-658870301866.161E6", "9223372036854775807.0", "18446744073709551615",
        "123456789012345678901234", "100000000000000000000.0", "01", "-01", "+1", ".5", "1.", "1e", "1e+", "-", "1.5E-3",
        "NaN", "Infinity", "-Infinity", "0x10",
        // strings
        #""""#, #""\ud800""#, #""\udc00""#, #""\ud800x""#, #""\ud800\u0041""#, #""\ud83d\ude00""#, #""\uD83D\uDE00""#,
        #""\u00e9""#, #""\U0041""#, #""\u0000""#, #""\/""#, #""\x""#, #""ab\"c""#, "\"a\u{7f}\"", "\"\t\"", "\"\n\"",
        #""\b\f\n\r\t\\""#, #""unterminated"#, #""\u12""#, #""é😀 plain""#,
        // structure
        "true", "false", "null", "nul", "truex", "[]", "{}", "[1,]", #"{"a":1,}"#, #"{"a":[1,],}"#, #"["a",]"#, "[,]", "[,1]",
        "{,}", "[1,,2]", "[1 2]", #"{"a" 1}"#, "{1:2}", #"{"a":1,"a":2}"#, #"{"a":{"b":[]},"a":null}"#, " 1 ", "1 2", "[1]x",
        "", "  ", " \n\r\t[1 , 2 ]\n", "\u{feff}1", "\u{feff}\u{feff}1", "[[[[[]]]]]", "[", "]", "{", #"{"a""#, #"{"a":"#,
    ])
    func acceptsAndRejectsWhatTheDecoderDid(text: String) {
        let bytes = Array(text.utf8)
        #expect(Self.parsed(bytes) == Self.decoded(bytes), "\(text.debugDescription)")
    }

    /// `JSONDecoder` did not check the dropped value of a repeated key; the parser checks every value.
    @Test(arguments: [#"{"a":1,"a":"\#u{0}"}"#, #"{"a":1,"a":"\x"}"#, #"{"a":1,"a":"\#u{1f}"}"#])
    func aBadValueIsRejectedEvenWhenItsRepeatedKeyWouldDropIt(text: String) {
        #expect(Self.parsed(Array(text.utf8)) == nil)
        #expect(Self.parsed(Array(text.replacingOccurrences(of: #""a":1,"#, with: "").utf8)) == nil)
    }

    @Test(arguments: ["1\u{0}", "\u{0}1", "-2.5\u{0}", "[1]\u{0}"])
    func aNULByteIsRejected(text: String) {
        #expect(Self.parsed(Array(text.utf8)) == nil)
    }

    @Test func bytesThatAreNotUTF8AreRejectedInStrings() {
        for bytes: [UInt8] in [[0x22, 0xFF, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22], [0x22, 0xC3, 0x22], [0x5B, 0x31, 0x5D, 0x00]] {
            #expect(Self.parsed(bytes) == nil)
            #expect(Self.decoded(bytes) == nil)
        }
        #expect(Self.parsed([0x22, 0xC3, 0xA9, 0x22]) == .string("é"))
    }

    @Test func containersNestAtMost512Deep() {
        for depth in [511, 512, 513, 100_000] {
            let bytes = Array((String(repeating: "[", count: depth) + String(repeating: "]", count: depth)).utf8)
            #expect((Self.parsed(bytes) != nil) == (depth <= JSONParser.maximumDepth), "depth \(depth)")
            #expect((Self.decoded(bytes) != nil) == (depth <= JSONParser.maximumDepth), "depth \(depth)")
        }
    }

    /// Random values written as text, then changed a little: whitespace, a trailing comma,
    /// one byte replaced, inserted or removed.
    @Test func randomTextParsesAsTheDecoderReadIt() {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array(#" \n\t{}[],:"\-+.eE0123456789abfnrtuxl/"#.utf8) + [0x00, 0x1F, 0x7F, 0xC3, 0xA9, 0xFF]
        var compared = 0
        for _ in 0..<4000 {
            var bytes = Array(RandomJSON.value(using: &generator).jsonText.utf8)
            switch Int.random(in: 0..<5, using: &generator) {
            case 0: break
            case 1: bytes.insert(alphabet.randomElement(using: &generator)!, at: Int.random(in: 0...bytes.count, using: &generator))
            case 2 where !bytes.isEmpty:
                bytes[Int.random(in: 0..<bytes.count, using: &generator)] = alphabet.randomElement(using: &generator)!
            case 3 where !bytes.isEmpty: bytes.remove(at: Int.random(in: 0..<bytes.count, using: &generator))
            default:
                if let close = bytes.lastIndex(where: { $0 == UInt8(ascii: "]") || $0 == UInt8(ascii: "}") }) {
                    bytes.insert(UInt8(ascii: ","), at: close)
                }
            }
            // The decoder read `1\0` and `\01` as 1; no JSON text holds a NUL byte.
            let expected = bytes.contains(0) ? nil : Self.decoded(bytes)
            #expect(Self.parsed(bytes) == expected, "\(String(decoding: bytes, as: UTF8.self).debugDescription)")
            compared += expected == nil ? 0 : 1
        }
        #expect(compared > 1000, "most of the texts are valid JSON")
    }
}

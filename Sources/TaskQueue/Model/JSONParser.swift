/// Reads JSON text into a `JSONValue` by hand. Every job's arguments are parsed when its slot
/// starts it, and `JSONDecoder`'s fixed cost per call was 3–4% of a webhook delivery's CPU.
///
/// It reads what `JSONDecoder` read before it, as the same values, so stored rows and clients'
/// bodies read as they did (`JSONParserTests` and the `fuzz-json` target check this against the
/// decoder). It rejects two texts the decoder let through, as RFC 8259 does: a control
/// character or a bad escape in the value of a repeated key (the decoder checked a string only
/// when it decoded it, and it dropped that value), and a text of two bytes, a digit and a NUL
/// in either order, which the decoder read as the digit. Kept from the decoder:
/// - a number is `.int` when its literal has no fraction or exponent and fits `Int64`, or when
///   it has one and its `Double` is a whole number that fits (`1.0`, `1e2`, `-0.0`, `1e-400`);
///   from 2⁵³ up, that `.int` is the literal's exact value without its fraction; otherwise
///   `.double`; a literal beyond `Double`'s range is an error;
/// - a trailing comma before `]` or `}` is allowed, and a repeated key keeps its first value;
/// - one UTF-8 byte-order mark may precede the value; containers nest at most 512 deep.
struct JSONParser {
    static let maximumDepth = 512

    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0
    private var depth = 0

    private init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws(JSONValue.ParseError) -> JSONValue {
        var parser = JSONParser(bytes)
        parser.skipByteOrderMark()
        let value = try parser.value()
        parser.skipWhitespace()
        guard parser.index == bytes.count else { throw invalid }
        return value
    }

    private static var invalid: JSONValue.ParseError { JSONValue.ParseError(reason: "not valid JSON") }

    private mutating func value() throws(JSONValue.ParseError) -> JSONValue {
        skipWhitespace()
        guard let byte = peek() else { throw Self.invalid }
        switch byte {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        default: return try number()
        }
    }

    private mutating func object() throws(JSONValue.ParseError) -> JSONValue {
        try enter()
        var members: [String: JSONValue] = [:]
        skipWhitespace()
        if take(UInt8(ascii: "}")) { return leave(.object(members)) }
        while true {
            skipWhitespace()
            guard peek() == UInt8(ascii: "\"") else { throw Self.invalid }
            let key = try string()
            skipWhitespace()
            guard take(UInt8(ascii: ":")) else { throw Self.invalid }
            let member = try value()
            if members[key] == nil { members[key] = member }
            skipWhitespace()
            if take(UInt8(ascii: "}")) { return leave(.object(members)) }
            guard take(UInt8(ascii: ",")) else { throw Self.invalid }
            skipWhitespace()
            if take(UInt8(ascii: "}")) { return leave(.object(members)) }
        }
    }

    private mutating func array() throws(JSONValue.ParseError) -> JSONValue {
        try enter()
        var items: [JSONValue] = []
        skipWhitespace()
        if take(UInt8(ascii: "]")) { return leave(.array(items)) }
        while true {
            items.append(try value())
            skipWhitespace()
            if take(UInt8(ascii: "]")) { return leave(.array(items)) }
            guard take(UInt8(ascii: ",")) else { throw Self.invalid }
            skipWhitespace()
            if take(UInt8(ascii: "]")) { return leave(.array(items)) }
        }
    }

    /// Steps over the opening bracket, one level deeper.
    private mutating func enter() throws(JSONValue.ParseError) {
        depth += 1
        guard depth <= Self.maximumDepth else { throw Self.invalid }
        index += 1
    }

    private mutating func leave(_ value: JSONValue) -> JSONValue {
        depth -= 1
        return value
    }

    /// A string from its opening quote: the bytes between the quotes when nothing is escaped,
    /// else the unescaped bytes; either must be valid UTF-8.
    private mutating func string() throws(JSONValue.ParseError) -> String {
        index += 1
        let start = index
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                defer { index += 1 }
                return try Self.text(UnsafeBufferPointer(rebasing: bytes[start..<index]))
            }
            if byte == UInt8(ascii: "\\") { break }
            guard byte >= 0x20 else { throw Self.invalid }
            index += 1
        }
        var unescaped = Array(bytes[start..<index])
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                return try unescaped.withUnsafeBufferPointer { buffer throws(JSONValue.ParseError) in try Self.text(buffer) }
            case UInt8(ascii: "\\"): try escape(into: &unescaped)
            case ..<0x20: throw Self.invalid
            default: unescaped.append(byte)
            }
        }
        throw Self.invalid
    }

    private static func text(_ utf8: UnsafeBufferPointer<UInt8>) throws(JSONValue.ParseError) -> String {
        guard let text = String(validating: utf8, as: UTF8.self) else { throw invalid }
        return text
    }

    /// One escape after its backslash; `\u` pairs a high surrogate with the low one after it.
    private mutating func escape(into out: inout [UInt8]) throws(JSONValue.ParseError) {
        guard let byte = peek() else { throw Self.invalid }
        index += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(byte)
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "u"):
            var code = UInt32(try hexQuad())
            if (0xD800..<0xDC00).contains(code) {
                guard take(UInt8(ascii: "\\")), take(UInt8(ascii: "u")) else { throw Self.invalid }
                let low = UInt32(try hexQuad())
                guard (0xDC00..<0xE000).contains(low) else { throw Self.invalid }
                code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
            }
            guard let scalar = Unicode.Scalar(code) else { throw Self.invalid }
            UTF8.encode(scalar) { out.append($0) }
        default: throw Self.invalid
        }
    }

    private mutating func hexQuad() throws(JSONValue.ParseError) -> UInt16 {
        guard index + 4 <= bytes.count else { throw Self.invalid }
        var code: UInt16 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw Self.invalid
            }
            code = code << 4 | UInt16(digit)
            index += 1
        }
        return code
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
    private mutating func number() throws(JSONValue.ParseError) -> JSONValue {
        let start = index
        let negative = take(UInt8(ascii: "-"))
        let integerPart = index
        guard let first = peek(), isDigit(first) else { throw Self.invalid }
        if first == UInt8(ascii: "0") { index += 1 } else { try digits() }
        let integerDigits = integerPart..<index
        var fractionDigits = index..<index
        if take(UInt8(ascii: ".")) {
            let fraction = index
            try digits()
            fractionDigits = fraction..<index
        }
        var exponent: Range<Int>?
        if take(UInt8(ascii: "e")) || take(UInt8(ascii: "E")) {
            let sign = index
            if !take(UInt8(ascii: "+")) { _ = take(UInt8(ascii: "-")) }
            try digits()
            exponent = sign..<index
        }
        let plain = fractionDigits.isEmpty && exponent == nil
        if plain, let whole = Self.integer(bytes[integerDigits], negative: negative) { return .int(whole) }
        let literal = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        guard let double = Double(literal), double.isFinite else { throw Self.invalid }
        guard !plain, Int64(exactly: double) != nil else { return .double(double) }
        // A whole double below 2⁵³ is the number; above, the decoder took the literal's exact
        // value without its fraction, down to -(2⁶³ - 1).
        if double.magnitude < 0x1p53 { return .int(Int64(double)) }
        let point = integerDigits.count + (exponent.map { Self.exponent(bytes[$0]) } ?? 0)
        let significand = Array(bytes[integerDigits]) + Array(bytes[fractionDigits])
        let wholeDigits = significand.prefix(max(point, 0)) + repeatElement(UInt8(ascii: "0"), count: max(point - significand.count, 0))
        guard let whole = Self.integer(wholeDigits, negative: negative), whole != .min else { return .double(double) }
        return .int(whole)
    }

    /// Decimal digits as an `Int64`, or nil when they overflow it. Accumulated on the negative
    /// side, which holds `Int64.min`.
    private static func integer(_ digits: some Collection<UInt8>, negative: Bool) -> Int64? {
        var value: Int64 = 0
        for byte in digits {
            let (shifted, overflowA) = value.multipliedReportingOverflow(by: 10)
            let (next, overflowB) = shifted.subtractingReportingOverflow(Int64(byte - UInt8(ascii: "0")))
            guard !overflowA, !overflowB else { return nil }
            value = next
        }
        if negative { return value }
        return value == .min ? nil : -value
    }

    /// An exponent's value from its optional sign and digits, held within ±10⁹ (far beyond any
    /// finite double's).
    private static func exponent(_ text: Slice<UnsafeBufferPointer<UInt8>>) -> Int {
        var value = 0
        for byte in text where byte != UInt8(ascii: "+") && byte != UInt8(ascii: "-") {
            value = min(value * 10 + Int(byte - UInt8(ascii: "0")), 1_000_000_000)
        }
        return text.first == UInt8(ascii: "-") ? -value : value
    }

    private mutating func digits() throws(JSONValue.ParseError) {
        guard let first = peek(), isDigit(first) else { throw Self.invalid }
        while let byte = peek(), isDigit(byte) { index += 1 }
    }

    private mutating func literal(_ word: StaticString) throws(JSONValue.ParseError) {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw Self.invalid }
        for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] {
            throw Self.invalid
        }
        index += count
    }

    private mutating func skipByteOrderMark() {
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { index = 3 }
    }

    private mutating func skipWhitespace() {
        while let byte = peek(), byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { index += 1 }
    }

    private func peek() -> UInt8? {
        index < bytes.count ? bytes[index] : nil
    }

    private mutating func take(_ byte: UInt8) -> Bool {
        guard peek() == byte else { return false }
        index += 1
        return true
    }

    private func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }
}

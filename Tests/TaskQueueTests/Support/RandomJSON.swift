@testable import TaskQueue

/// Random JSON values for the encoder and parser tests: every case, nested up to 4 levels,
/// with integers of every size and both large and small doubles.
enum RandomJSON {
    static func value(depth: Int = 0, using generator: inout some RandomNumberGenerator) -> JSONValue {
        switch Int.random(in: 0..<(depth > 2 ? 6 : 8), using: &generator) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &generator))
        case 2: return .int(Int64.random(in: .min ... .max, using: &generator) >> Int64.random(in: 0..<63, using: &generator))
        case 3: return .double(Double.random(in: -1e12...1e12, using: &generator))
        case 4: return .double(Double(Int.random(in: -1000...1000, using: &generator)) * 1e-5)
        case 5:
            let scalars = (0..<Int.random(in: 0..<12, using: &generator)).compactMap { _ in
                Unicode.Scalar(UInt32.random(in: 0..<0x2FF, using: &generator))
            }
            return .string(String(String.UnicodeScalarView(scalars)))
        case 6:
            return .array((0..<Int.random(in: 0..<4, using: &generator)).map { _ in value(depth: depth + 1, using: &generator) })
        default:
            var members: [String: JSONValue] = [:]
            for _ in 0..<Int.random(in: 0..<4, using: &generator) {
                members["k\(Int.random(in: 0..<50, using: &generator))"] = value(depth: depth + 1, using: &generator)
            }
            return .object(members)
        }
    }
}

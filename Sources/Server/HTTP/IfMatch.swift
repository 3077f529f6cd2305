import Catalog
import Foundation
import HTTPTypes

/// The `If-Match` header as a product precondition (RFC 9110 §13.1.1): `*`, or a list of entity
/// tags, weak (`W/"…"`) or strong (`"…"`), compared by their opaque part: ours are the product's
/// version in milliseconds. A tag that is not one of ours matches nothing (412); a header that
/// is not entity tags at all is a malformed request (400).
enum IfMatch {
    static func precondition(_ request: APIRequest) throws -> ProductPrecondition {
        guard let header = request.headers[.ifMatch] else { return .none }
        return try precondition(header)
    }

    static func precondition(_ header: String) throws -> ProductPrecondition {
        let trimmed = header.trimmingCharacters(in: .whitespaces)
        if trimmed == "*" { return .exists }
        guard let tags = entityTags(trimmed), !tags.isEmpty else {
            throw APIError.malformed("If-Match must be * or entity tags such as W/\"1764762000123\" (the product's ETag)")
        }
        return .versions(tags.compactMap { Int64($0) })
    }

    /// The opaque parts of a comma-separated list of entity tags; nil when it is not one.
    private static func entityTags(_ text: String) -> [String]? {
        var tags: [String] = []
        var rest = Substring(text)
        while true {
            rest = rest.drop { $0 == " " || $0 == "\t" }
            if rest.hasPrefix("W/") { rest = rest.dropFirst(2) }
            guard rest.first == "\"", let close = rest.dropFirst().firstIndex(of: "\"") else { return nil }
            let opaque = rest[rest.index(after: rest.startIndex)..<close]
            guard opaque.unicodeScalars.allSatisfy({ $0.value == 0x21 || (0x23...0x7E).contains($0.value) || $0.value >= 0x80 })
            else { return nil }
            tags.append(String(opaque))
            rest = rest[rest.index(after: close)...].drop { $0 == " " || $0 == "\t" }
            if rest.isEmpty { return tags }
            guard rest.first == "," else { return nil }
            rest = rest.dropFirst()
        }
    }
}

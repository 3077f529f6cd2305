import Foundation
import TaskQueue

/// The rules of a webhook's configuration (DESIGN.md §11); errors name the field
/// (`CatalogError.invalid`). Unknown fields are ignored.
public enum WebhookInput {
    static let fields = ["url", "events", "is_active", "description", "headers", "retry_count", "timeout_seconds"]

    /// Header names a webhook may not set: the request's own.
    static func isReserved(_ name: String) -> Bool {
        let lowered = name.lowercased()
        return lowered == "content-type" || lowered == "user-agent" || lowered == "host" || lowered == "content-length"
            || lowered.hasPrefix("x-webhook-") || lowered.hasPrefix("webhook-")
    }

    /// A new webhook: `url` and `events` required; a secret is generated (`whsec_…`) unless given.
    public static func draft(_ body: [String: JSONValue]) throws(CatalogError) -> WebhookDraft {
        let changes = try changes(body, requireAny: false)
        guard let url = changes.url else { throw CatalogError.invalid(field: "url", "the URL is required") }
        guard let events = changes.events else { throw CatalogError.invalid(field: "events", "give at least one event type") }
        let secret = try body["secret"].map { value throws(CatalogError) in try Self.secret(value) } ?? generatedSecret()
        return WebhookDraft(
            url: url, events: events, isActive: changes.isActive ?? true, description: changes.description ?? "",
            headers: changes.headers ?? [:], secret: secret, retryCount: changes.retryCount ?? 3,
            timeoutSeconds: changes.timeoutSeconds ?? 10)
    }

    /// A partial change: at least one field. The secret changes only through rotate-secret.
    public static func changes(_ body: [String: JSONValue], requireAny: Bool = true) throws(CatalogError) -> WebhookChanges {
        var changes = WebhookChanges()
        if requireAny, body["secret"] != nil {
            throw CatalogError.invalid(field: "secret", "the secret changes only with POST /webhooks/{id}/rotate-secret")
        }
        if let value = body["url"] { changes.url = try url(value) }
        if let value = body["events"] { changes.events = try events(value) }
        if let value = body["is_active"] {
            guard let flag = value.boolValue else { throw CatalogError.invalid(field: "is_active", "must be true or false") }
            changes.isActive = flag
        }
        if let value = body["description"] {
            guard let text = value == .null ? "" : value.stringValue else {
                throw CatalogError.invalid(field: "description", "must be a string")
            }
            guard text.unicodeScalars.count <= 1024, !text.utf8.contains(0) else {
                throw CatalogError.invalid(field: "description", "must have at most 1,024 characters and no NUL")
            }
            changes.description = text
        }
        if let value = body["headers"] { changes.headers = try headers(value) }
        if let value = body["retry_count"] {
            guard let count = value.intValue, (0...10).contains(count) else {
                throw CatalogError.invalid(field: "retry_count", "must be a whole number from 0 to 10")
            }
            changes.retryCount = count
        }
        if let value = body["timeout_seconds"] {
            guard let seconds = value.doubleValue, seconds.isFinite, (1...300).contains(seconds) else {
                throw CatalogError.invalid(field: "timeout_seconds", "must be a number of seconds from 1 to 300")
            }
            changes.timeoutSeconds = seconds
        }
        if requireAny && changes.isEmpty {
            throw CatalogError.invalid(field: "body", "give at least one of \(fields.joined(separator: ", "))")
        }
        return changes
    }

    /// http or https, at most 2,048 characters, a host, no user or password.
    static func url(_ value: JSONValue) throws(CatalogError) -> String {
        guard let text = value.stringValue else { throw CatalogError.invalid(field: "url", "must be a string") }
        guard text.utf8.count <= 2048 else { throw CatalogError.invalid(field: "url", "must have at most 2,048 characters") }
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty
        else { throw CatalogError.invalid(field: "url", "must be an http:// or https:// URL with a host") }
        guard components.user == nil, components.password == nil else {
            throw CatalogError.invalid(field: "url", "must not hold a user or password (use headers)")
        }
        return text
    }

    /// At least one known event type, each once.
    static func events(_ value: JSONValue) throws(CatalogError) -> [String] {
        guard let list = value.arrayValue, !list.isEmpty else {
            throw CatalogError.invalid(field: "events", "give at least one event type")
        }
        var events: [String] = []
        for item in list {
            guard let name = item.stringValue, WebhookEventType(rawValue: name) != nil else {
                let known = WebhookEventType.allCases.map(\.rawValue).joined(separator: ", ")
                throw CatalogError.invalid(field: "events", "unknown event type (known: \(known))")
            }
            if !events.contains(name) { events.append(name) }
        }
        return events
    }

    /// Header names are tokens, not reserved; names and values have no CR or LF.
    static func headers(_ value: JSONValue) throws(CatalogError) -> [String: String] {
        guard let object = value == .null ? [:] : value.objectValue else {
            throw CatalogError.invalid(field: "headers", "must be an object of header names to strings")
        }
        guard object.count <= 50 else { throw CatalogError.invalid(field: "headers", "at most 50 headers") }
        var headers: [String: String] = [:]
        let token = CharacterSet(charactersIn: "!#$%&'*+-.^_`|~").union(.alphanumerics)
        for (name, entry) in object {
            guard !name.isEmpty, name.unicodeScalars.allSatisfy({ $0.isASCII && token.contains($0) }) else {
                throw CatalogError.invalid(field: "headers", "'\(name.prefix(60))' is not a header name")
            }
            guard !isReserved(name) else { throw CatalogError.invalid(field: "headers", "'\(name)' is set by the appliance itself") }
            guard let text = entry.stringValue, !text.contains("\r"), !text.contains("\n"), !text.utf8.contains(0),
                text.utf8.count <= 4096
            else { throw CatalogError.invalid(field: "headers", "the value of '\(name)' must be one line of at most 4,096 bytes") }
            headers[name] = text
        }
        return headers
    }

    /// A given secret: 16–512 characters on one line; a `whsec_` one is base64 after the prefix.
    static func secret(_ value: JSONValue) throws(CatalogError) -> String {
        guard let text = value.stringValue, (16...512).contains(text.utf8.count), !text.contains("\r"),
            !text.contains("\n"), !text.utf8.contains(0)
        else { throw CatalogError.invalid(field: "secret", "must be a string of 16 to 512 characters on one line") }
        if text.hasPrefix("whsec_"), Data(base64Encoded: String(text.dropFirst(6))) == nil {
            throw CatalogError.invalid(field: "secret", "a whsec_ secret is base64 after the prefix")
        }
        return text
    }

    /// `whsec_` and 32 random bytes in base64 (Standard Webhooks' form).
    public static func generatedSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return "whsec_" + Data(bytes).base64EncodedString()
    }
}

import Foundation
import HTTPTypes
import Hummingbird
import TaskQueue

/// One endpoint: method, path pattern (`/api/v1/tasks/{id}`), and handler. The route table is
/// the single list the responder matches, the 405 answer's `Allow` header is built from, and
/// the OpenAPI test compares with the published document.
public struct Route: Sendable {
    public typealias Handler = @Sendable (APIRequest) async throws -> Response

    public let method: HTTPRequest.Method
    public let pattern: String
    /// Whether the route changes state: it needs the token when `auth_token` is set.
    public let mutating: Bool
    /// Whether the route stays open even with `auth_read` (health checks).
    public let isPublic: Bool
    /// Whether the handler reads the body itself, as a stream (uploads), instead of the
    /// responder collecting up to `max_body_bytes`.
    public let streamsBody: Bool
    let segments: [Segment]
    let handler: Handler

    enum Segment: Sendable, Equatable {
        case literal(String)
        case parameter(String)
    }

    public init(
        _ method: HTTPRequest.Method, _ pattern: String, isPublic: Bool = false, streamsBody: Bool = false,
        handler: @escaping Handler
    ) {
        self.method = method
        self.pattern = pattern
        self.mutating = method != .get && method != .head
        self.isPublic = isPublic
        self.streamsBody = streamsBody
        self.segments = pattern.split(separator: "/").map { part in
            part.hasPrefix("{") && part.hasSuffix("}") ? .parameter(String(part.dropFirst().dropLast())) : .literal(String(part))
        }
        self.handler = handler
    }

    /// The path parameters if `path` matches the pattern.
    func match(_ pathSegments: [Substring]) -> [String: String]? {
        guard pathSegments.count == segments.count else { return nil }
        var parameters: [String: String] = [:]
        for (segment, part) in zip(segments, pathSegments) {
            switch segment {
            case .literal(let literal): if literal != part { return nil }
            case .parameter(let name): parameters[name] = String(part).removingPercentEncoding ?? String(part)
            }
        }
        return parameters
    }
}

/// What a handler sees of a request: path parameters, query, headers and a bounded body.
public struct APIRequest: Sendable {
    public let request: Request
    public let parameters: [String: String]
    let body: ByteBuffer?

    public var headers: HTTPFields { request.headers }

    public func parameter(_ name: String) -> String { parameters[name] ?? "" }

    public func query(_ name: String) -> String? {
        request.uri.queryParameters[Substring(name)].map { String($0).removingPercentEncoding ?? String($0) }
    }

    /// The body as a JSON object; 415 unless it is JSON, 400 unless it parses, `{}` when empty.
    public func jsonObject() throws -> [String: JSONValue] {
        guard let body, body.readableBytes > 0 else { return [:] }
        if let type = headers[.contentType], !type.lowercased().hasPrefix("application/json") {
            throw APIError.unsupportedMediaType("send the body as application/json (got \(type))")
        }
        guard let value = try? JSONValue(parsing: Data(body.readableBytesView)) else {
            throw APIError.malformed("the body is not valid JSON")
        }
        guard let object = value.objectValue else { throw APIError.invalid("the body must be a JSON object") }
        return object
    }

    /// An integer query parameter within `range`, else 422 naming it.
    public func intQuery(_ name: String, default value: Int, in range: ClosedRange<Int>) throws -> Int {
        guard let text = query(name) else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw APIError.invalid("'\(name)' must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    /// A `true`/`false` query parameter (any case), nil when absent, else 422 naming it.
    public func boolQuery(_ name: String) throws -> Bool? {
        guard let text = query(name) else { return nil }
        switch text.lowercased() {
        case "true": return true
        case "false": return false
        default: throw APIError.invalid("'\(name)' must be true or false")
        }
    }
}

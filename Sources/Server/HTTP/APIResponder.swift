import Catalog
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Metrics
import NIOCore
import TaskQueue

/// The HTTP responder: matches the route table (404 for an unknown path, 405 with `Allow` for a
/// wrong method on a known one), checks the bearer token, bounds the body, maps every error to
/// the JSON error shape, and logs and counts each request once. A client mistake is never a 5xx.
public struct APIResponder: HTTPResponder {
    public typealias Context = BasicRequestContext

    let routes: [Route]
    let auth: AuthPolicy
    let maxBodyBytes: Int
    /// The web UI's files, served at `/ui/` (nil with `ui: false`).
    let ui: UIAssets?
    let logger: Logger

    public init(routes: [Route], auth: AuthPolicy, maxBodyBytes: Int, ui: Bool = false, logger: Logger) {
        self.routes = routes
        self.auth = auth
        self.maxBodyBytes = maxBodyBytes
        self.ui = ui ? UIAssets.shared : nil
        self.logger = logger
    }

    public func respond(to request: Request, context: Context) async throws -> Response {
        let start = ContinuousClock.now
        var label = "unmatched"
        let response: Response
        if let ui, let page = ui.response(to: request) {
            record(request, route: "/ui", status: page.status, since: start)
            return page
        }
        do {
            let (route, parameters) = try resolve(request)
            label = route.pattern
            try auth.check(request, route: route)
            let body = route.method == .get || route.streamsBody ? nil : try await collectBody(request)
            response = try await route.handler(APIRequest(request: request, parameters: parameters, body: body))
        } catch {
            response = errorResponse(error, request: request, context: context)
        }
        record(request, route: label, status: response.status, since: start)
        return response
    }

    private func resolve(_ request: Request) throws -> (Route, [String: String]) {
        let segments = request.uri.path.split(separator: "/", omittingEmptySubsequences: true)
        // The most specific patterns win: `/products/upload` is not `/products/{product_id}`.
        let matches = routes.compactMap { route in route.match(segments).map { (route, $0) } }
        let fewest = matches.map(\.1.count).min() ?? 0
        var allowed: [HTTPRequest.Method] = []
        for (route, parameters) in matches where parameters.count == fewest {
            if route.method == request.method || (request.method == .head && route.method == .get) {
                return (route, parameters)
            }
            allowed.append(route.method)
        }
        if allowed.isEmpty { throw APIError.notFound("no route for \(request.uri.path)") }
        throw APIError.methodNotAllowed(request.method, allowed: allowed)
    }

    private func collectBody(_ request: Request) async throws -> ByteBuffer {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > maxBodyBytes {
            throw APIError.tooLarge("the body is \(length) bytes, over max_body_bytes (\(maxBodyBytes))")
        }
        var request = request
        do {
            return try await request.collectBody(upTo: maxBodyBytes)
        } catch {
            throw APIError.tooLarge("the body is over max_body_bytes (\(maxBodyBytes))")
        }
    }

    private func errorResponse(_ error: any Error, request: Request, context: Context) -> Response {
        let apiError: APIError
        switch error {
        case let error as APIError: apiError = error
        case let error as QueueError: apiError = APIError.from(error)
        case let error as CatalogError: apiError = APIError.from(error)
        case let error as HTTPError:
            apiError = APIError(error.status, code: "http_error", message: error.body ?? error.status.reasonPhrase)
        default:
            apiError = .internal
        }
        if apiError.status.code >= 500 {
            logger.error("request_failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
        }
        return (try? apiError.response(from: request, context: context))
            ?? Response(status: apiError.status)
    }

    /// One log line and one counter per request. The `Authorization` header is never logged.
    private func record(_ request: Request, route: String, status: HTTPResponse.Status, since start: ContinuousClock.Instant)
    {
        let elapsed = ContinuousClock.now - start
        logger.info(
            "request",
            metadata: [
                "http.method": "\(request.method.rawValue)", "http.path": "\(request.uri.path)",
                "http.status": "\(status.code)", "http.duration_ms": "\(String(format: "%.3f", elapsed.seconds * 1000))",
            ])
        Counter(
            label: "importer_http_requests_total",
            dimensions: [("method", request.method.rawValue), ("route", route), ("status", String(status.code))]
        ).increment()
    }
}

/// Who may call what: with `auth_token`, mutating routes need `Authorization: Bearer <token>`;
/// with `auth_read` as well, every route but the health checks does.
public struct AuthPolicy: Sendable {
    let token: [UInt8]?
    let protectReads: Bool

    public init(token: String?, protectReads: Bool) {
        self.token = token.map { Array($0.utf8) }
        self.protectReads = protectReads
    }

    func check(_ request: Request, route: Route) throws {
        guard token != nil, !route.isPublic, route.mutating || protectReads else { return }
        guard presentsToken(request) else { throw APIError.unauthorized() }
    }

    /// Whether `request` carries `Authorization: Bearer <the token>` (false without a token).
    func presentsToken(_ request: Request) -> Bool {
        guard let token, let header = request.headers[.authorization], header.hasPrefix("Bearer ") else { return false }
        return Self.constantTimeEqual(Array(header.dropFirst("Bearer ".count).utf8), token)
    }

    /// Which routes need the token: `none`, `writes` (the mutating ones) or `all`.
    var requirement: String {
        token == nil ? "none" : (protectReads ? "all" : "writes")
    }

    /// Compares without stopping at the first difference, so timing reveals nothing of the token.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(truncatingIfNeeded: a.count ^ b.count)
        for index in 0..<max(a.count, b.count) {
            let x = index < a.count ? a[index] : 0
            let y = index < b.count ? b[index] : 0
            difference |= x ^ y
        }
        return difference == 0
    }
}

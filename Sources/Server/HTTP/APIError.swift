import Catalog
import Common
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SQLiteSupport
import TaskQueue

/// An error answered to an HTTP client as `{"error": {"code", "message"}}` (DESIGN.md §6),
/// with our snake_case `code` that Hummingbird's `HTTPError` lacks.
public struct APIError: Error, HTTPResponseError, Sendable, Equatable {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: String
    /// The field of the request that is wrong, for a 422.
    public var field: String?
    public var headers: HTTPFields

    public init(
        _ status: HTTPResponse.Status, code: String, message: String, field: String? = nil, headers: HTTPFields = [:]
    ) {
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.headers = headers
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = JSONResponse.make(status, body: Self.body(code: code, message: message, field: field))
        response.headers.append(contentsOf: headers)
        return response
    }

    static func body(code: String, message: String, field: String? = nil) -> JSONValue {
        var error: [String: JSONValue] = ["code": .string(code), "message": .string(message)]
        if let field { error["field"] = .string(field) }
        return ["error": .object(error)]
    }

    public static func == (lhs: APIError, rhs: APIError) -> Bool {
        lhs.status == rhs.status && lhs.code == rhs.code
    }

    // MARK: The errors of DESIGN.md §6

    static func malformed(_ message: String) -> APIError { APIError(.badRequest, code: "malformed_request", message: message) }
    static func unauthorized() -> APIError {
        APIError(
            .unauthorized, code: "unauthorized", message: "this route needs 'Authorization: Bearer <token>'",
            headers: [.wwwAuthenticate: "Bearer"])
    }
    static func notFound(_ message: String) -> APIError { APIError(.notFound, code: "not_found", message: message) }
    static func methodNotAllowed(_ method: HTTPRequest.Method, allowed: [HTTPRequest.Method]) -> APIError {
        APIError(
            .methodNotAllowed, code: "method_not_allowed",
            message: "\(method.rawValue) is not allowed here; use \(allowed.map(\.rawValue).joined(separator: ", "))",
            headers: [.allow: allowed.map(\.rawValue).joined(separator: ", ")])
    }
    static func conflict(_ message: String) -> APIError { APIError(.conflict, code: "conflict", message: message) }
    static func tooLarge(_ message: String) -> APIError { APIError(.contentTooLarge, code: "too_large", message: message) }
    static func unsupportedMediaType(_ message: String) -> APIError {
        APIError(.unsupportedMediaType, code: "unsupported_media_type", message: message)
    }
    static func invalid(_ message: String) -> APIError { APIError(.unprocessableContent, code: "invalid_value", message: message) }
    static let `internal` = APIError(.internalServerError, code: "internal_error", message: "the server failed to answer")
    static func unavailable(_ message: String) -> APIError {
        APIError(.serviceUnavailable, code: "unavailable", message: message)
    }

    /// A storage failure the client can understand and retry: the disk is full (507), the
    /// database is read-only, busy or failing (503). Nothing was changed: the transaction
    /// rolled back. Every backend reports these with the same codes.
    static func from(_ fault: StorageFault) -> APIError {
        switch fault.kind {
        case .full: return APIError(Self.insufficientStorage, code: fault.code, message: fault.message)
        case .readOnly, .busy, .unavailable: return APIError(.serviceUnavailable, code: fault.code, message: fault.message)
        }
    }

    /// A file the API writes itself (an upload) could not be written: `errno` says why.
    static func fromWrite(errno code: Int32, storage: StorageProbe.Condition) -> APIError {
        let reason = String(cString: strerror(code))
        switch (code, storage) {
        case (ENOSPC, _), (EDQUOT, _): return from(.full())
        case (_, .readOnly(let condition)): return from(.readOnly(condition, isTransient: true))
        case (EROFS, _), (EACCES, _), (EPERM, _):
            return from(.readOnly("the upload cannot be written (\(reason))", isTransient: true))
        default:
            return from(.unavailable("the upload cannot be written (\(reason)): nothing was changed"))
        }
    }

    static let insufficientStorage = HTTPResponse.Status(code: 507, reasonPhrase: "Insufficient Storage")

    /// How a queue error reaches a client: its mistakes are 4xx, never 5xx.
    static func from(_ error: QueueError) -> APIError {
        if let fault = error.fault { return from(fault) }
        switch error.code {
        case "payload_too_large": return APIError(.contentTooLarge, code: error.code, message: error.message)
        case "invalid_job", "unknown_task": return APIError(.unprocessableContent, code: error.code, message: error.message)
        case "stale_lease", "constraint": return APIError(.conflict, code: error.code, message: error.message)
        default: return APIError(.internalServerError, code: "internal_error", message: "the queue failed: \(error.message)")
        }
    }

    /// How a catalogue error reaches a client: its mistakes and conflicts are 4xx, never 5xx.
    static func from(_ error: CatalogError) -> APIError {
        if let fault = error.fault { return from(fault) }
        switch error.code {
        case "product_not_found", "import_not_found", "webhook_not_found", "delivery_not_found": return notFound(error.message)
        case "sku_exists", "count_changed", "not_failed", "upload_missing", "already_retried", "constraint":
            return APIError(.conflict, code: error.code, message: error.message)
        case "precondition_failed": return APIError(.preconditionFailed, code: error.code, message: error.message)
        case "invalid_value":
            return APIError(.unprocessableContent, code: error.code, message: error.message, field: error.field)
        default:
            return APIError(.internalServerError, code: "internal_error", message: "the catalogue failed: \(error.message)")
        }
    }
}

/// JSON responses with sorted keys (stable output).
enum JSONResponse {
    static func make(_ status: HTTPResponse.Status, body: JSONValue, headers: HTTPFields = [:]) -> Response {
        make(status, bytes: body.jsonData, headers: headers)
    }

    static func make(_ status: HTTPResponse.Status, bytes: Data, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

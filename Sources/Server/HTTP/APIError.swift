import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import NIOCore
import TaskQueue

/// An error answered to an HTTP client as `{"error": {"code", "message"}}` (DESIGN.md §6),
/// with our snake_case `code` that Hummingbird's `HTTPError` lacks.
public struct APIError: Error, HTTPResponseError, Sendable, Equatable {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: String
    public var headers: HTTPFields

    public init(_ status: HTTPResponse.Status, code: String, message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = JSONResponse.make(status, body: Self.body(code: code, message: message))
        response.headers.append(contentsOf: headers)
        return response
    }

    static func body(code: String, message: String) -> JSONValue {
        ["error": ["code": .string(code), "message": .string(message)]]
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
    /// rolled back. `storage` is what the filesystem says, since SQLite reports a write refused
    /// by a read-only mount or an immutable file as a plain I/O error. nil for other errors.
    static func from(_ error: DatabaseError, storage: StorageProbe.Condition) -> APIError? {
        switch (error.resultCode, storage) {
        case (.SQLITE_FULL, _), (.SQLITE_IOERR, .full):
            return storageFull
        case (.SQLITE_READONLY, .readOnly(let reason)), (.SQLITE_IOERR, .readOnly(let reason)),
            (.SQLITE_CANTOPEN, .readOnly(let reason)):
            return readOnly(reason)
        case (.SQLITE_READONLY, _):
            return readOnly("the database is read-only (file permissions or a read-only disk)")
        case (.SQLITE_BUSY, _), (.SQLITE_LOCKED, _):
            return APIError(.serviceUnavailable, code: "storage_busy", message: "the database is busy: retry shortly")
        case (.SQLITE_IOERR, _), (.SQLITE_CANTOPEN, _):
            return APIError(
                .serviceUnavailable, code: "storage_unavailable", message: "the database cannot be written (I/O error): nothing was changed")
        default:
            return nil
        }
    }

    /// A file the API writes itself (an upload) could not be written: `errno` says why.
    static func fromWrite(errno code: Int32, storage: StorageProbe.Condition) -> APIError {
        switch (code, storage) {
        case (ENOSPC, _), (EDQUOT, _): return storageFull
        case (_, .readOnly(let reason)): return readOnly(reason)
        case (EROFS, _), (EACCES, _), (EPERM, _):
            return readOnly("the upload cannot be written (\(String(cString: strerror(code))))")
        default:
            return APIError(
                .serviceUnavailable, code: "storage_unavailable",
                message: "the upload cannot be written (\(String(cString: strerror(code)))): nothing was changed")
        }
    }

    static let storageFull = APIError(
        HTTPResponse.Status(code: 507, reasonPhrase: "Insufficient Storage"), code: "storage_full",
        message: "the data directory's disk is full: nothing was changed; free some space and retry")

    /// `reason` is a clause saying what cannot be written and why.
    static func readOnly(_ reason: String) -> APIError {
        APIError(
            .serviceUnavailable, code: "storage_read_only",
            message: "writes are refused: \(reason); nothing was changed, reads keep working")
    }

    /// How a queue error reaches a client: its mistakes are 4xx, never 5xx.
    static func from(_ error: QueueError) -> APIError {
        switch error.code {
        case "payload_too_large": return APIError(.contentTooLarge, code: error.code, message: error.message)
        case "invalid_job", "unknown_task": return APIError(.unprocessableContent, code: error.code, message: error.message)
        case "stale_lease": return APIError(.conflict, code: error.code, message: error.message)
        default: return APIError(.internalServerError, code: "internal_error", message: "the queue failed: \(error.message)")
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

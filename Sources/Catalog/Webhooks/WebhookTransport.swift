import Foundation
import TaskQueue

/// One webhook request as it goes out.
public struct WebhookRequest: Sendable {
    public var url: String
    public var headers: [(name: String, value: String)]
    public var body: Data
    /// The whole exchange, connection included, must end within this.
    public var timeout: TimeInterval

    public init(url: String, headers: [(name: String, value: String)], body: Data, timeout: TimeInterval) {
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }
}

/// The answer: its status, `Retry-After`, and at most the first 64 KiB of the body.
public struct WebhookResponse: Sendable {
    public var statusCode: Int
    public var retryAfter: String?
    public var body: Data

    public init(statusCode: Int, retryAfter: String?, body: Data) {
        self.statusCode = statusCode
        self.retryAfter = retryAfter
        self.body = body
    }
}

/// No answer: a timeout, a refused or broken connection, a blocked address.
public struct WebhookTransportError: Error, Sendable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}

/// Sends webhook requests: HTTP and HTTPS, no redirects followed (the Server module's
/// AsyncHTTPClient transport; tests use their own).
public protocol WebhookTransport: Sendable {
    func send(_ request: WebhookRequest) async throws -> WebhookResponse
    /// The same from a task's thread, which may block; stops when the task is asked to stop.
    func send(_ request: WebhookRequest, from context: TaskContext) throws -> WebhookResponse
}

extension WebhookTransport {
    public func send(_ request: WebhookRequest, from context: TaskContext) throws -> WebhookResponse {
        try context.waitFor { try await self.send(request) }
    }
}

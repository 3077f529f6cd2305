import AsyncHTTPClient
import Catalog
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization
import TaskQueue

/// Webhook requests over AsyncHTTPClient (DESIGN.md §11): HTTP and HTTPS, no redirect followed,
/// the whole exchange bounded by the request's timeout, at most 64 KiB of the answer read. With
/// `blockPrivate`, targets whose host resolves to a loopback, link-local or private address are
/// refused. The client is made at the first request and shut down with the transport.
public final class HTTPWebhookTransport: WebhookTransport, Sendable {
    private let client = Mutex<HTTPClient?>(nil)
    private let blockPrivate: Bool

    /// At most this much of an answer is read.
    static let maxResponseBytes = 64 << 10

    public init(blockPrivate: Bool) {
        self.blockPrivate = blockPrivate
    }

    deinit {
        // Not awaited: the process may be ending; the client finishes its shutdown on its own.
        client.withLock { $0 }?.shutdown(queue: .global()) { _ in }
    }

    private var httpClient: HTTPClient {
        client.withLock { client in
            if let client { return client }
            var configuration = HTTPClient.Configuration()
            configuration.redirectConfiguration = .disallow
            configuration.decompression = .disabled
            let made = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            client = made
            return made
        }
    }

    public func send(_ request: WebhookRequest) async throws -> WebhookResponse {
        try await checkTarget(request)
        let (task, reader) = try start(request)
        return try await withTaskCancellationHandler {
            do {
                return try await task.futureResult.get()
            } catch {
                return try Self.answer(after: error, reader, timeout: request.timeout)
            }
        } onCancel: {
            task.cancel()
        }
    }

    /// From a task's thread: it waits on the request's future, so an attempt costs no hop
    /// through the cooperative pool (fewer context switches per delivery: BENCHMARKS.md).
    public func send(_ request: WebhookRequest, from context: TaskContext) throws -> WebhookResponse {
        if blockPrivate {
            // The resolution of the target is asynchronous.
            return try context.waitFor { try await self.send(request) }
        }
        let (task, reader) = try start(request)
        do {
            return try context.blocking({ try task.futureResult.wait() }, onStop: { task.cancel() })
        } catch {
            return try Self.answer(after: error, reader, timeout: request.timeout)
        }
    }

    private func checkTarget(_ request: WebhookRequest) async throws {
        guard blockPrivate, let host = URL(string: request.url)?.host else { return }
        if let address = try await PrivateAddress.firstBlocked(host: host) {
            throw WebhookTransportError("the target \(host) resolves to \(address), a private address (webhook_block_private)")
        }
    }

    /// Starts the request; the whole exchange, the answer's body included, ends by the deadline.
    private func start(_ request: WebhookRequest) throws -> (HTTPClient.Task<WebhookResponse>, BoundedResponse) {
        guard let url = URL(string: request.url), url.host != nil else {
            throw WebhookTransportError("the URL \(request.url) cannot be sent to")
        }
        var headers = HTTPHeaders()
        for header in request.headers { headers.add(name: header.name, value: header.value) }
        let http: HTTPClient.Request
        do {
            http = try HTTPClient.Request(url: url, method: .POST, headers: headers, body: .bytes(request.body))
        } catch {
            throw WebhookTransportError("the URL \(request.url) cannot be sent to: \(error)")
        }
        let reader = BoundedResponse(limit: Self.maxResponseBytes)
        let task = httpClient.execute(request: http, delegate: reader, deadline: .now() + .nanoseconds(Int64(request.timeout * 1e9)))
        return (task, reader)
    }

    /// The answer cut at 64 KiB (the reader stopped the exchange there), else the failure as the
    /// attempt records it.
    private static func answer(after error: any Error, _ reader: BoundedResponse, timeout: TimeInterval) throws -> WebhookResponse {
        if let truncated = reader.truncated { return truncated }
        switch error {
        case let error as HTTPClientError where error == .deadlineExceeded:
            throw WebhookTransportError("no answer within \(seconds(timeout)) s (timeout)")
        case let error as HTTPClientError where error == .cancelled:
            throw WebhookTransportError("cancelled")
        default:
            throw WebhookTransportError("the request failed: \(error)")
        }
    }

    private static func seconds(_ value: TimeInterval) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }
}

/// Collects an answer's status, `Retry-After` and at most `limit` bytes of its body; at the
/// limit it stops the exchange, and the answer so far is the response.
final class BoundedResponse: HTTPClientResponseDelegate, Sendable {
    typealias Response = WebhookResponse

    private struct Enough: Error {}

    private struct State {
        var status = 0
        var retryAfter: String?
        var body = ByteBuffer()
        var truncated = false
    }

    private let state = Mutex(State())
    private let limit: Int

    init(limit: Int) {
        self.limit = limit
    }

    func didReceiveHead(task: HTTPClient.Task<Response>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        state.withLock { state in
            state.status = Int(head.status.code)
            state.retryAfter = head.headers.first(name: "Retry-After")
        }
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveBodyPart(task: HTTPClient.Task<Response>, _ part: ByteBuffer) -> EventLoopFuture<Void> {
        let full = state.withLock { state -> Bool in
            var part = part
            let room = limit - state.body.readableBytes
            guard part.readableBytes >= room else {
                state.body.writeBuffer(&part)
                return false
            }
            var slice = part.readSlice(length: room) ?? ByteBuffer()
            state.body.writeBuffer(&slice)
            state.truncated = true
            return true
        }
        return full ? task.eventLoop.makeFailedFuture(Enough()) : task.eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveError(task: HTTPClient.Task<Response>, _ error: any Error) {}

    func didFinishRequest(task: HTTPClient.Task<Response>) throws -> WebhookResponse { response }

    private var response: WebhookResponse {
        state.withLock { WebhookResponse(statusCode: $0.status, retryAfter: $0.retryAfter, body: Data($0.body.readableBytesView)) }
    }

    /// The answer, if the reader stopped it at the limit.
    var truncated: WebhookResponse? {
        state.withLock { $0.truncated } ? response : nil
    }
}

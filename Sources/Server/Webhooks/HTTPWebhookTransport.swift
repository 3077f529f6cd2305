import AsyncHTTPClient
import Catalog
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

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
        guard let url = URL(string: request.url), let host = url.host else {
            throw WebhookTransportError("the URL \(request.url) cannot be sent to")
        }
        if blockPrivate, let address = try await PrivateAddress.firstBlocked(host: host) {
            throw WebhookTransportError("the target \(host) resolves to \(address), a private address (webhook_block_private)")
        }
        let client = httpClient
        let timeout = request.timeout
        return try await withThrowingTaskGroup(of: WebhookResponse?.self) { group in
            group.addTask { try await Self.exchange(request, client: client) }
            group.addTask {
                try await Task.sleep(for: .seconds(timeout))
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let response = first else {
                throw WebhookTransportError("no answer within \(Self.seconds(timeout)) s (timeout)")
            }
            return response
        }
    }

    /// The request and its answer's first 64 KiB.
    private static func exchange(_ request: WebhookRequest, client: HTTPClient) async throws -> WebhookResponse {
        var http = HTTPClientRequest(url: request.url)
        http.method = .POST
        for header in request.headers { http.headers.add(name: header.name, value: header.value) }
        http.body = .bytes(ByteBuffer(bytes: request.body))
        do {
            let response = try await client.execute(http, timeout: .milliseconds(Int64(request.timeout * 1000) + 1000))
            var body = ByteBuffer()
            for try await var chunk in response.body {
                let room = maxResponseBytes - body.readableBytes
                if chunk.readableBytes > room { chunk = chunk.readSlice(length: room) ?? ByteBuffer() }
                body.writeBuffer(&chunk)
                if body.readableBytes >= maxResponseBytes { break }
            }
            return WebhookResponse(
                statusCode: Int(response.status.code), retryAfter: response.headers.first(name: "Retry-After"),
                body: Data(body.readableBytesView))
        } catch is CancellationError {
            throw CancellationError()
        } catch let error as HTTPClientError {
            throw WebhookTransportError("the request failed: \(error)")
        } catch {
            throw WebhookTransportError("the request failed: \(error)")
        }
    }

    private static func seconds(_ value: TimeInterval) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }
}

import Catalog
import Foundation
import Synchronization

/// A webhook transport that records requests and answers with `status` (or fails with `error`).
final class ScriptedTransport: WebhookTransport, Sendable {
    private let sent = Mutex<[WebhookRequest]>([])
    private let answer = Mutex<(status: Int, error: String?)>((200, nil))

    var requests: [WebhookRequest] { sent.withLock { $0 } }

    func answer(status: Int, error: String? = nil) {
        answer.withLock { $0 = (status, error) }
    }

    func send(_ request: WebhookRequest) async throws -> WebhookResponse {
        sent.withLock { $0.append(request) }
        let (status, error) = answer.withLock { $0 }
        if let error { throw WebhookTransportError(error) }
        return WebhookResponse(statusCode: status, retryAfter: nil, body: Data("answer \(status)".utf8))
    }
}

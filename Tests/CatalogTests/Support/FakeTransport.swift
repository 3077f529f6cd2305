import Foundation
import Synchronization

@testable import Catalog

/// A webhook transport that records every request and answers as `answer` says (by the
/// request's index), for the deliverer's rules without a network.
final class FakeTransport: WebhookTransport, Sendable {
    typealias Answer = @Sendable (_ index: Int, _ request: WebhookRequest) -> Result<WebhookResponse, WebhookTransportError>

    private let sent = Mutex<[WebhookRequest]>([])
    private let answer: Answer

    init(answer: @escaping Answer = { _, _ in .success(WebhookResponse(statusCode: 200, retryAfter: nil, body: Data("ok".utf8))) }) {
        self.answer = answer
    }

    var requests: [WebhookRequest] { sent.withLock { $0 } }

    func send(_ request: WebhookRequest) async throws -> WebhookResponse {
        let index = sent.withLock { requests -> Int in
            requests.append(request)
            return requests.count - 1
        }
        return try answer(index, request).get()
    }
}

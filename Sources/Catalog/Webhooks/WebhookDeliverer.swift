import Foundation
import TaskQueue

/// One attempt of a delivery (`deliver_webhook`): the request signed at its send time, sent with
/// the webhook's timeout, recorded with its verdict. A retry is the queue job's own retry, after
/// the verdict's delay (`RetryableError.countdown`); the last failure is a dead letter
/// (`WebhookDeliveryFailed`), visible as a `failed` delivery and a failed task.
struct WebhookDeliverer {
    let store: any WebhookStore
    let transport: any WebhookTransport
    let configuration: WebhookConfiguration

    /// The first 64 KiB of an answer are read; the first 4 KiB are kept.
    static let storedResponseBytes = 4096

    func deliver(deliveryID: String, context: TaskContext) throws -> JSONValue {
        guard let work = try store.deliveryWork(id: deliveryID) else { return ["state": "gone"] }
        let delivery = work.delivery
        // Cancelled (its webhook disabled or deleted), or delivered by an earlier run.
        guard !delivery.state.isFinal else { return ["state": .string(delivery.state.rawValue)] }
        guard work.webhook.isActive else {
            try store.cancelDelivery(id: deliveryID)
            return ["state": "cancelled"]
        }
        let attempt = delivery.attempts + 1
        let now = Date()
        let message = WebhookSigner.message(
            webhook: work.webhook, eventID: delivery.eventID, event: delivery.event, deliveryID: delivery.id, attempt: attempt,
            test: delivery.kind == .test, data: work.data, occurredAt: work.occurredAt, now: now)
        let transport = self.transport
        let request = WebhookRequest(url: work.webhook.url, headers: message.headers, body: message.body, timeout: work.webhook.timeoutSeconds)
        let (result, response) = try context.waitFor { await Self.send(request, with: transport, at: now) }
        let verdict = configuration.verdict(
            statusCode: result.error == nil ? result.statusCode : nil, retryAfter: response?.retryAfter, attempt: attempt,
            retryCount: work.webhook.retryCount)
        let stored = try store.recordAttempt(
            deliveryID: deliveryID, result: result, verdict: verdict, autoDisableAfter: configuration.autoDisableAfter)
        switch verdict {
        case .succeeded:
            return ["state": "succeeded", "status_code": .int(Int64(result.statusCode ?? 0)), "attempts": .int(Int64(stored.attempts))]
        case .retry(let delay):
            throw RetryableError("attempt \(attempt) failed: \(Self.reason(result)); retrying in \(Int(delay)) s", countdown: delay)
        case .failed:
            throw TaskErrorInfo(
                type: "WebhookDeliveryFailed", message: "attempt \(attempt) failed: \(Self.reason(result)); no retry left")
        }
    }

    /// Sends `request`; the result as recorded (headers without the secret: the signature only).
    static func send(_ request: WebhookRequest, with transport: any WebhookTransport, at start: Date) async
        -> (AttemptResult, WebhookResponse?)
    {
        let began = ContinuousClock.now
        var response: WebhookResponse?
        var failure: String?
        do {
            response = try await transport.send(request)
        } catch let error as WebhookTransportError {
            failure = error.message
        } catch is CancellationError {
            failure = "cancelled"
        } catch {
            failure = "\(error)"
        }
        let elapsed = ContinuousClock.now - began
        let milliseconds = (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18) * 1000
        let body = response.map { String(decoding: $0.body.prefix(storedResponseBytes), as: UTF8.self) }
        let result = AttemptResult(
            statusCode: response?.statusCode, responseBody: body, responseTimeMs: (milliseconds * 10).rounded() / 10, error: failure,
            requestHeaders: Dictionary(request.headers.map { ($0.name, $0.value) }) { first, _ in first },
            requestBody: String(decoding: request.body, as: UTF8.self), attemptedAt: start)
        return (result, response)
    }

    static func reason(_ result: AttemptResult) -> String {
        if let error = result.error { return error }
        return "HTTP \(result.statusCode ?? 0)"
    }
}

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
        // Cancelled (its webhook disabled or deleted), or delivered by an earlier run.
        guard !work.state.isFinal else { return ["state": .string(work.state.rawValue)] }
        guard work.isActive else {
            try store.cancelDelivery(id: deliveryID)
            return ["state": "cancelled"]
        }
        let attempt = work.attempts + 1
        let now = Date()
        let message = WebhookSigner.message(
            secret: work.secret, customHeaders: work.headers, eventID: work.eventID, event: work.event, deliveryID: deliveryID,
            attempt: attempt, test: work.kind == .test, data: work.data, occurredAt: work.occurredAt, now: now)
        let request = WebhookRequest(url: work.url, headers: message.headers, body: message.body, timeout: work.timeoutSeconds)
        try context.checkCancellation()
        let (result, response) = Self.exchange(request, at: now) { try transport.send(request, from: context) }
        let verdict = configuration.verdict(
            statusCode: result.error == nil ? result.statusCode : nil, retryAfter: response?.retryAfter, attempt: attempt,
            retryCount: work.retryCount)
        let stored = try store.recordAttempt(
            deliveryID: deliveryID, result: result, verdict: verdict, autoDisableAfter: configuration.autoDisableAfter)
        CatalogMetrics.deliveryAttempt(verdict.label, seconds: result.error == nil ? result.responseTimeMs / 1000 : nil)
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
        let outcome: Result<WebhookResponse, any Error>
        do { outcome = .success(try await transport.send(request)) } catch { outcome = .failure(error) }
        return record(request, outcome, at: start, took: ContinuousClock.now - began)
    }

    /// The same from a task's thread.
    static func exchange(_ request: WebhookRequest, at start: Date, _ send: () throws -> WebhookResponse) -> (AttemptResult, WebhookResponse?) {
        let began = ContinuousClock.now
        let outcome = Result { try send() }
        return record(request, outcome, at: start, took: ContinuousClock.now - began)
    }

    private static func record(_ request: WebhookRequest, _ outcome: Result<WebhookResponse, any Error>, at start: Date, took elapsed: Duration)
        -> (AttemptResult, WebhookResponse?)
    {
        var response: WebhookResponse?
        var failure: String?
        switch outcome {
        case .success(let answer): response = answer
        case .failure(let error as WebhookTransportError): failure = error.message
        case .failure(is CancellationError), .failure(is TaskCancelled): failure = "cancelled"
        case .failure(let error): failure = "\(error)"
        }
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

import Foundation
import TaskQueue

/// One event for one webhook (unique per event and webhook), and how its attempts went.
public struct WebhookDelivery: Sendable, Equatable {
    public enum State: String, Sendable, CaseIterable {
        case pending, retrying, succeeded, failed, cancelled
        public var isFinal: Bool { self == .succeeded || self == .failed || self == .cancelled }
    }

    /// `event` for an event of the outbox, `test` for `POST /webhooks/{id}/test`.
    public enum Kind: String, Sendable {
        case event, test
    }

    public var id: String
    public var webhookID: String
    /// `evt_<uuidv7>`: the same on every attempt and redelivery.
    public var eventID: String
    public var event: String
    public var kind: Kind
    public var state: State
    public var attempts: Int
    public var lastStatusCode: Int?
    public var lastResponseTimeMs: Double?
    public var lastError: String?
    public var nextAttemptAt: Date?
    public var taskID: String?
    /// The last request sent: its headers (never the secret) and body. Filled in a delivery's
    /// detail (`WebhookStore.delivery(id:)`) and in what `recordAttempt` returns; a list may leave
    /// them empty (the SQLite store keeps them with the attempt).
    public var requestHeaders: [String: String]
    public var requestBody: String?
    public var createdAt: Date
    public var finishedAt: Date?
}

/// One attempt of a delivery (a line of `GET /webhooks/{id}/logs`).
public struct WebhookAttempt: Sendable, Equatable {
    public var id: String
    public var deliveryID: String
    public var webhookID: String
    public var eventID: String
    public var event: String
    public var attempt: Int
    public var kind: WebhookDelivery.Kind
    /// The body sent.
    public var payload: String
    public var statusCode: Int?
    /// The first 4 KiB of the answer.
    public var responseBody: String?
    public var responseTimeMs: Double?
    public var error: String?
    public var createdAt: Date
    /// The delivery's state after this attempt, and when the next one is due.
    public var deliveryState: WebhookDelivery.State
    public var nextAttemptAt: Date?
}

/// Filters of the delivery listing; `state: .failed` lists the dead letters.
public struct DeliveryFilter: Sendable, Equatable {
    public var webhookID: String?
    public var state: WebhookDelivery.State?
    public var event: String?
    public var limit = 20
    public var offset = 0

    public init() {}
}

/// What an attempt needs: the delivery, where and how to send it, and its event's data.
public struct DeliveryWork: Sendable {
    public var deliveryID: String
    public var webhookID: String
    public var eventID: String
    public var event: String
    public var kind: WebhookDelivery.Kind
    public var state: WebhookDelivery.State
    public var attempts: Int
    public var url: String
    public var secret: String
    public var headers: [String: String]
    public var isActive: Bool
    public var retryCount: Int
    public var timeoutSeconds: Double
    /// The event's data as the outbox stores it (JSON text).
    public var data: String
    public var occurredAt: Date
}

/// How an attempt ended, as the store records it.
public struct AttemptResult: Sendable {
    public var statusCode: Int?
    public var responseBody: String?
    public var responseTimeMs: Double
    public var error: String?
    /// The request sent (headers without the secret, body).
    public var requestHeaders: [String: String]
    public var requestBody: String
    public var attemptedAt: Date

    public init(
        statusCode: Int?, responseBody: String?, responseTimeMs: Double, error: String?, requestHeaders: [String: String],
        requestBody: String, attemptedAt: Date
    ) {
        self.statusCode = statusCode
        self.responseBody = responseBody
        self.responseTimeMs = responseTimeMs
        self.error = error
        self.requestHeaders = requestHeaders
        self.requestBody = requestBody
        self.attemptedAt = attemptedAt
    }
}

/// What follows an attempt.
public enum AttemptVerdict: Sendable, Equatable {
    case succeeded
    /// Another attempt after this many seconds.
    case retry(after: TimeInterval)
    /// A dead letter: no more attempts.
    case failed

    /// The verdict's name in metrics.
    var label: String {
        switch self {
        case .succeeded: return "succeeded"
        case .retry: return "retry"
        case .failed: return "failed"
        }
    }
}

extension AttemptVerdict {
    /// The delivery's state after an attempt at `now` with this verdict, and when it is tried next.
    func outcome(at now: Double) -> (state: WebhookDelivery.State, next: Double?) {
        switch self {
        case .succeeded: return (.succeeded, nil)
        case .failed: return (.failed, nil)
        case .retry(let delay): return (.retrying, now + delay)
        }
    }
}

extension WebhookDelivery {
    /// The delivery as its attempt number `attempt` with `result` leaves it.
    mutating func record(_ result: AttemptResult, attempt: Int, state: WebhookDelivery.State, next: Double?) {
        self.state = state
        attempts = attempt
        lastStatusCode = result.statusCode
        lastResponseTimeMs = result.responseTimeMs
        lastError = result.error
        nextAttemptAt = next.map(Date.init(timeIntervalSince1970:))
        requestHeaders = result.requestHeaders
        requestBody = result.requestBody
        finishedAt = state.isFinal ? result.attemptedAt : nil
    }
}

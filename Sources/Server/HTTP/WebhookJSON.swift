import Catalog
import Common
import Foundation
import TaskQueue

/// The JSON of webhooks, deliveries and attempts, shared by the API and the command line.
public enum WebhookJSON {
    /// `secret` only where the webhook was created or its secret rotated.
    public static func json(_ webhook: Webhook, secret: Bool) -> JSONValue {
        var body: [String: JSONValue] = [
            "id": .string(webhook.id), "url": .string(webhook.url), "events": .array(webhook.events.map { .string($0) }),
            "is_active": .bool(webhook.isActive), "description": .string(webhook.description),
            "headers": .object(webhook.headers.mapValues { .string($0) }), "retry_count": .int(Int64(webhook.retryCount)),
            "timeout_seconds": .double(webhook.timeoutSeconds), "has_secret": .bool(!webhook.secret.isEmpty),
            "secret_hint": .string(webhook.secretHint), "last_triggered_at": TaskJSON.time(webhook.lastTriggeredAt),
            "last_status_code": webhook.lastStatusCode.map { .int(Int64($0)) } ?? .null,
            "last_response_time_ms": webhook.lastResponseTimeMs.map { .double($0) } ?? .null,
            "last_error": webhook.lastError.map { .string($0) } ?? .null, "success_count": .int(Int64(webhook.successCount)),
            "failure_count": .int(Int64(webhook.failureCount)), "consecutive_failures": .int(Int64(webhook.consecutiveFailures)),
            "pending_deliveries": .int(Int64(webhook.pendingDeliveries)), "created_at": TaskJSON.time(webhook.createdAt),
            "updated_at": TaskJSON.time(webhook.updatedAt),
        ]
        if secret { body["secret"] = .string(webhook.secret) }
        return .object(body)
    }

    public static func json(_ delivery: WebhookDelivery) -> JSONValue {
        [
            "id": .string(delivery.id), "webhook_id": .string(delivery.webhookID), "event_id": .string(delivery.eventID),
            "event": .string(delivery.event), "kind": .string(delivery.kind.rawValue), "state": .string(delivery.state.rawValue),
            "attempts": .int(Int64(delivery.attempts)),
            "last_status_code": delivery.lastStatusCode.map { .int(Int64($0)) } ?? .null,
            "last_response_time_ms": delivery.lastResponseTimeMs.map { .double($0) } ?? .null,
            "last_error": delivery.lastError.map { .string($0) } ?? .null, "next_attempt_at": TaskJSON.time(delivery.nextAttemptAt),
            "task_id": delivery.taskID.map { .string($0) } ?? .null, "created_at": TaskJSON.time(delivery.createdAt),
            "finished_at": TaskJSON.time(delivery.finishedAt),
        ]
    }

    public static func json(_ attempt: WebhookAttempt) -> JSONValue {
        [
            "id": .string(attempt.id), "webhook_id": .string(attempt.webhookID), "event": .string(attempt.event),
            "payload": payload(attempt.payload), "status_code": attempt.statusCode.map { .int(Int64($0)) } ?? .null,
            "response_body": attempt.responseBody.map { .string($0) } ?? .null,
            "response_time_ms": attempt.responseTimeMs.map { .double($0) } ?? .null,
            "error": attempt.error.map { .string($0) } ?? .null, "created_at": TaskJSON.time(attempt.createdAt),
            "delivery_id": .string(attempt.deliveryID), "event_id": .string(attempt.eventID),
            "attempt": .int(Int64(attempt.attempt)), "kind": .string(attempt.kind.rawValue),
            "delivery_state": .string(attempt.deliveryState.rawValue), "next_attempt_at": TaskJSON.time(attempt.nextAttemptAt),
        ]
    }

    /// The body sent, as the JSON it is.
    public static func payload(_ text: String) -> JSONValue {
        (try? JSONValue(parsing: Data(text.utf8))) ?? .string(text)
    }

    /// The answer to a test: what the receiver said, whatever it was.
    public static func test(_ delivery: WebhookDelivery, _ result: AttemptResult) -> JSONValue {
        [
            "success": .bool(delivery.state == .succeeded), "status_code": result.statusCode.map { .int(Int64($0)) } ?? .null,
            "response_time_ms": .double(result.responseTimeMs), "response_body": result.responseBody.map { .string($0) } ?? .null,
            "error": result.error.map { .string($0) } ?? .null, "delivery_id": .string(delivery.id),
            "attempted_at": TaskJSON.time(result.attemptedAt),
        ]
    }
}

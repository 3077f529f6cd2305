import Catalog
import Common
import Foundation
import HTTPTypes
import Hummingbird
import TaskQueue

/// The webhooks resource (DESIGN.md §11): configuration, test, logs, deliveries, redelivery and
/// the event catalogue. A webhook's secret appears only in the answers that create or rotate it.
struct WebhooksController: Sendable {
    let context: AppContext

    var service: WebhookService { WebhookService(catalog: context.catalog, client: context.client) }
    var store: any CatalogStore { context.catalog.store }

    var routes: [Route] {
        [
            Route(.get, "/api/v1/webhooks") { request in try await list(request) },
            Route(.post, "/api/v1/webhooks") { request in
                let webhook = try await store.createWebhook(try WebhookInput.draft(try request.jsonObject()))
                var response = JSONResponse.make(.created, body: Self.json(webhook, secret: true))
                response.headers[.location] = "/api/v1/webhooks/\(webhook.id)"
                return response
            },
            Route(.get, "/api/v1/webhooks/events") { _ in
                let items: [JSONValue] = WebhookEventType.allCases.map {
                    ["event": .string($0.rawValue), "description": .string($0.summary), "sample": $0.sample]
                }
                return JSONResponse.make(.ok, body: TaskJSON.list(items, total: items.count, limit: max(1, items.count), offset: 0))
            },
            Route(.get, "/api/v1/webhooks/deliveries") { request in try await deliveries(request) },
            Route(.get, "/api/v1/webhooks/deliveries/{delivery_id}") { request in
                let id = request.parameter("delivery_id")
                guard let (delivery, attempts) = try await store.delivery(id: id) else { throw CatalogError.deliveryNotFound(id) }
                guard case .object(var body) = Self.json(delivery) else { return JSONResponse.make(.ok, body: .null) }
                let url = try await store.webhook(id: delivery.webhookID)?.url
                body["request"] = [
                    "url": url.map { .string($0) } ?? .null,
                    "headers": .object(delivery.requestHeaders.mapValues { .string($0) }),
                    "body": delivery.requestBody.map(Self.payload) ?? .null,
                ]
                body["attempts_detail"] = .array(attempts.map(Self.json))
                return JSONResponse.make(.ok, body: .object(body))
            },
            Route(.post, "/api/v1/webhooks/deliveries/{delivery_id}/redeliver") { request in
                let (delivery, taskID) = try await service.redeliver(deliveryID: request.parameter("delivery_id"))
                return JSONResponse.make(.accepted, body: ["delivery_id": .string(delivery.id), "task_id": .string(taskID)])
            },
            Route(.get, "/api/v1/webhooks/{webhook_id}") { request in
                JSONResponse.make(.ok, body: Self.json(try await webhook(request), secret: false))
            },
            Route(.put, "/api/v1/webhooks/{webhook_id}") { request in try await update(request) },
            Route(.patch, "/api/v1/webhooks/{webhook_id}") { request in try await update(request) },
            Route(.delete, "/api/v1/webhooks/{webhook_id}") { request in
                await service.revoke(tasks: try await store.deleteWebhook(id: request.parameter("webhook_id")))
                return Response(status: .noContent)
            },
            Route(.post, "/api/v1/webhooks/{webhook_id}/enable") { request in try await setActive(request, true) },
            Route(.post, "/api/v1/webhooks/{webhook_id}/disable") { request in try await setActive(request, false) },
            Route(.post, "/api/v1/webhooks/{webhook_id}/rotate-secret") { request in
                let webhook = try await store.rotateWebhookSecret(
                    id: request.parameter("webhook_id"), secret: WebhookInput.generatedSecret())
                return JSONResponse.make(.ok, body: ["id": .string(webhook.id), "secret": .string(webhook.secret)])
            },
            Route(.post, "/api/v1/webhooks/{webhook_id}/test") { request in try await test(request) },
            Route(.get, "/api/v1/webhooks/{webhook_id}/logs") { request in
                let id = request.parameter("webhook_id")
                _ = try await webhook(request)
                let limit = try request.intQuery("limit", default: 50, in: 1...1000)
                let offset = try request.intQuery("offset", default: 0, in: 0...Int(Int32.max))
                let attempts = try await store.attempts(webhookID: id, limit: limit, offset: offset)
                return JSONResponse.make(.ok, body: .array(attempts.map(Self.json)))
            },
        ]
    }

    private func webhook(_ request: APIRequest) async throws -> Webhook {
        let id = request.parameter("webhook_id")
        guard let webhook = try await store.webhook(id: id) else { throw CatalogError.webhookNotFound(id) }
        return webhook
    }

    private func list(_ request: APIRequest) async throws -> Response {
        var filter = WebhookFilter()
        filter.limit = try request.intQuery("limit", default: 20, in: 1...1000)
        filter.offset = try request.intQuery("offset", default: 0, in: 0...Int(Int32.max))
        if let active = request.query("is_active") {
            switch active.lowercased() {
            case "true": filter.isActive = true
            case "false": filter.isActive = false
            default: throw APIError.invalid("'is_active' must be true or false")
            }
        }
        if let event = request.query("event") {
            guard WebhookEventType(rawValue: event) != nil else { throw APIError.invalid("'event' must be an event type") }
            filter.event = event
        }
        let page = try await store.webhooks(filter)
        return JSONResponse.make(
            .ok,
            body: TaskJSON.list(page.items.map { Self.json($0, secret: false) }, total: page.total, limit: filter.limit, offset: filter.offset))
    }

    private func update(_ request: APIRequest) async throws -> Response {
        let changes = try WebhookInput.changes(try request.jsonObject())
        let (webhook, cancelled) = try await store.updateWebhook(id: request.parameter("webhook_id"), changes)
        await service.revoke(tasks: cancelled)
        return JSONResponse.make(.ok, body: Self.json(webhook, secret: false))
    }

    private func setActive(_ request: APIRequest, _ active: Bool) async throws -> Response {
        var changes = WebhookChanges()
        changes.isActive = active
        let (webhook, cancelled) = try await store.updateWebhook(id: request.parameter("webhook_id"), changes)
        await service.revoke(tasks: cancelled)
        return JSONResponse.make(.ok, body: Self.json(webhook, secret: false))
    }

    /// One attempt now (also on a disabled webhook); 200 whatever the receiver answered.
    private func test(_ request: APIRequest) async throws -> Response {
        let body = try request.jsonObject()
        if let event = body["event"], event != .null, event.stringValue == nil { throw APIError.invalid("'event' must be a string") }
        let payload = body["payload"].flatMap { $0 == .null ? nil : $0 }
        let (delivery, result) = try await service.test(
            webhookID: request.parameter("webhook_id"), event: body["event"]?.stringValue, payload: payload)
        return JSONResponse.make(
            .ok,
            body: [
                "success": .bool(delivery.state == .succeeded), "status_code": result.statusCode.map { .int(Int64($0)) } ?? .null,
                "response_time_ms": .double(result.responseTimeMs), "response_body": result.responseBody.map { .string($0) } ?? .null,
                "error": result.error.map { .string($0) } ?? .null, "delivery_id": .string(delivery.id),
                "attempted_at": TaskJSON.time(result.attemptedAt),
            ])
    }

    private func deliveries(_ request: APIRequest) async throws -> Response {
        var filter = DeliveryFilter()
        filter.limit = try request.intQuery("limit", default: 20, in: 1...1000)
        filter.offset = try request.intQuery("offset", default: 0, in: 0...Int(Int32.max))
        filter.webhookID = request.query("webhook_id")
        filter.event = request.query("event")
        if let state = request.query("state") {
            guard let parsed = WebhookDelivery.State(rawValue: state.lowercased()) else {
                let known = WebhookDelivery.State.allCases.map(\.rawValue).joined(separator: ", ")
                throw APIError.invalid("'state' must be one of \(known)")
            }
            filter.state = parsed
        }
        let page = try await store.deliveries(filter)
        return JSONResponse.make(
            .ok, body: TaskJSON.list(page.items.map(Self.json), total: page.total, limit: filter.limit, offset: filter.offset))
    }

    // MARK: JSON

    /// `secret` only where the webhook was created or its secret rotated.
    static func json(_ webhook: Webhook, secret: Bool) -> JSONValue {
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

    static func json(_ delivery: WebhookDelivery) -> JSONValue {
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

    static func json(_ attempt: WebhookAttempt) -> JSONValue {
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
    static func payload(_ text: String) -> JSONValue {
        (try? JSONValue(parsing: Data(text.utf8))) ?? .string(text)
    }
}

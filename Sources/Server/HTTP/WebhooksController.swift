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
                var response = JSONResponse.make(.created, body: WebhookJSON.json(webhook, secret: true))
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
                guard case .object(var body) = WebhookJSON.json(delivery) else { return JSONResponse.make(.ok, body: .null) }
                let url = try await store.webhook(id: delivery.webhookID)?.url
                body["request"] = [
                    "url": url.map { .string($0) } ?? .null,
                    "headers": .object(delivery.requestHeaders.mapValues { .string($0) }),
                    "body": delivery.requestBody.map(WebhookJSON.payload) ?? .null,
                ]
                body["attempts_detail"] = .array(attempts.map(WebhookJSON.json))
                return JSONResponse.make(.ok, body: .object(body))
            },
            Route(.post, "/api/v1/webhooks/deliveries/{delivery_id}/redeliver") { request in
                let (delivery, taskID) = try await service.redeliver(deliveryID: request.parameter("delivery_id"))
                return JSONResponse.make(.accepted, body: ["delivery_id": .string(delivery.id), "task_id": .string(taskID)])
            },
            Route(.get, "/api/v1/webhooks/{webhook_id}") { request in
                JSONResponse.make(.ok, body: WebhookJSON.json(try await webhook(request), secret: false))
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
                return JSONResponse.make(.ok, body: .array(attempts.map(WebhookJSON.json)))
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
        filter.isActive = try request.boolQuery("is_active")
        if let event = request.query("event") {
            guard WebhookEventType(rawValue: event) != nil else { throw APIError.invalid("'event' must be an event type") }
            filter.event = event
        }
        let page = try await store.webhooks(filter)
        return JSONResponse.make(
            .ok,
            body: TaskJSON.list(page.items.map { WebhookJSON.json($0, secret: false) }, total: page.total, limit: filter.limit, offset: filter.offset))
    }

    private func update(_ request: APIRequest) async throws -> Response {
        let changes = try WebhookInput.changes(try request.jsonObject())
        let (webhook, cancelled) = try await store.updateWebhook(id: request.parameter("webhook_id"), changes)
        await service.revoke(tasks: cancelled)
        return JSONResponse.make(.ok, body: WebhookJSON.json(webhook, secret: false))
    }

    private func setActive(_ request: APIRequest, _ active: Bool) async throws -> Response {
        var changes = WebhookChanges()
        changes.isActive = active
        let (webhook, cancelled) = try await store.updateWebhook(id: request.parameter("webhook_id"), changes)
        await service.revoke(tasks: cancelled)
        return JSONResponse.make(.ok, body: WebhookJSON.json(webhook, secret: false))
    }

    /// One attempt now (also on a disabled webhook); 200 whatever the receiver answered.
    private func test(_ request: APIRequest) async throws -> Response {
        let body = try request.jsonObject()
        if let event = body["event"], event != .null, event.stringValue == nil { throw APIError.invalid("'event' must be a string") }
        let payload = body["payload"].flatMap { $0 == .null ? nil : $0 }
        let (delivery, result) = try await service.test(
            webhookID: request.parameter("webhook_id"), event: body["event"]?.stringValue, payload: payload)
        return JSONResponse.make(.ok, body: WebhookJSON.test(delivery, result))
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
            .ok, body: TaskJSON.list(page.items.map(WebhookJSON.json), total: page.total, limit: filter.limit, offset: filter.offset))
    }
}

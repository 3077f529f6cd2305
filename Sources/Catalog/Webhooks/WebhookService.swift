import Common
import Foundation
import TaskQueue

/// What the API and the command line do with webhooks beyond storing them: a test attempt, a
/// redelivery.
public struct WebhookService: Sendable {
    public let catalog: CatalogContext
    public let client: QueueClient

    public init(catalog: CatalogContext, client: QueueClient) {
        self.catalog = catalog
        self.client = client
    }

    /// One attempt now, also on a disabled webhook, with the timeout min(its own, 10 s); recorded
    /// as a `test` delivery; the webhook's counts stay. `payload` replaces the event's sample.
    public func test(webhookID: String, event: String?, payload: JSONValue?) async throws -> (delivery: WebhookDelivery, result: AttemptResult) {
        guard let webhook = try await catalog.store.webhook(id: webhookID) else { throw CatalogError.webhookNotFound(webhookID) }
        let type = try event.map { name throws(CatalogError) -> WebhookEventType in
            guard let type = WebhookEventType(rawValue: name) else {
                throw CatalogError.invalid(field: "event", "unknown event type '\(name.prefix(60))'")
            }
            return type
        } ?? WebhookEventType(rawValue: webhook.events.first ?? "") ?? .productCreated
        let data = payload ?? type.sample
        let eventID = "evt_" + UUIDv7.make()
        let deliveryID = UUIDv7.make()
        let now = Date()
        let message = WebhookSigner.message(
            secret: webhook.secret, customHeaders: webhook.headers, eventID: eventID, event: type.rawValue, deliveryID: deliveryID,
            attempt: 1, test: true, data: data.jsonText, occurredAt: now, now: now)
        let request = WebhookRequest(
            url: webhook.url, headers: message.headers, body: message.body,
            timeout: min(webhook.timeoutSeconds, WebhookConfiguration.testTimeout))
        let (result, _) = await WebhookDeliverer.send(request, with: catalog.webhookTransport, at: now)
        let delivery = try await catalog.store.recordTestDelivery(
            webhookID: webhookID, event: type.rawValue, eventID: eventID, data: data, result: result)
        return (delivery, result)
    }

    /// The delivery's event again, signed anew, through a new job; returns the job's id.
    public func redeliver(deliveryID: String) async throws -> (delivery: WebhookDelivery, taskID: String) {
        let delivery = try await catalog.store.redeliver(deliveryID: deliveryID)
        let submitted = try await client.submit(
            TaskSubmission(name: WebhookTasks.deliver, kwargs: ["delivery_id": .string(delivery.id)], queue: WebhookTasks.queue))
        try await catalog.store.attachDeliveryTasks([delivery.id: submitted.id], dispatching: [])
        return (delivery, submitted.id)
    }

    /// Cancels the queue jobs of deliveries that were cancelled (a webhook disabled or deleted):
    /// they would only find their delivery cancelled.
    public func revoke(tasks: [String]) async {
        for task in tasks { _ = try? await client.store.revoke(id: task) }
    }
}

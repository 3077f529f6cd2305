import Foundation
import TaskQueue

/// The webhook tasks (DESIGN.md §11), on the `webhooks` queue and its own pool, so a slow
/// receiver never delays imports or `default`.
public enum WebhookTasks {
    /// `{event_id}`: one delivery per subscribed active webhook, each enqueued once.
    public static let trigger = "app.tasks.webhook_tasks.trigger_webhooks_for_event"
    /// `{delivery_id}`: one attempt; its retries are this job's retries.
    public static let deliver = "app.tasks.webhook_tasks.deliver_webhook"
    public static let queue = "webhooks"

    public static func register(into registry: inout TaskRegistry, catalog: CatalogContext) {
        registry.register(
            TaskDefinition(name: trigger, queue: queue, retry: RetryOptions(maxRetries: 5, delay: 5, backoff: true)) { context in
                try transient { try fanOut(context, catalog: catalog) }
            })
        // Up to `retry_count` (≤ 10) retries, each after the delay its attempt's verdict chose.
        registry.register(
            TaskDefinition(name: deliver, queue: queue, retry: RetryOptions(maxRetries: 10, delay: 5, jitter: false)) { context in
                let deliveryID = context.kwargs["delivery_id"]?.stringValue ?? context.args.first?.stringValue ?? ""
                return try transient {
                    try WebhookDeliverer(
                        store: catalog.store, transport: catalog.webhookTransport, configuration: catalog.configuration.webhooks
                    ).deliver(deliveryID: deliveryID, context: context)
                }
            })
    }

    /// Creates the event's deliveries and enqueues each once: a delivery's task is keyed by the
    /// delivery, so a rerun after a crash finds the same task.
    static func fanOut(_ context: TaskContext, catalog: CatalogContext) throws -> JSONValue {
        let eventID = context.kwargs["event_id"]?.stringValue ?? context.args.first?.stringValue ?? ""
        let deliveries = try catalog.store.fanOut(eventID: eventID)
        for delivery in deliveries {
            let submitted = try context.submit(
                TaskSubmission(
                    name: deliver, kwargs: ["delivery_id": .string(delivery.id)], queue: queue,
                    idempotencyKey: "webhook-delivery:\(delivery.id)"))
            try catalog.store.attachDeliveryTask(deliveryID: delivery.id, taskID: submitted.id)
        }
        return ["event_id": .string(eventID), "deliveries": .int(Int64(deliveries.count))]
    }

    /// A busy or failing catalogue is retried like any transient failure.
    private static func transient(_ body: () throws -> JSONValue) throws -> JSONValue {
        do {
            return try body()
        } catch let error as CatalogError where error.isTransient {
            throw RetryableError("the catalogue database is busy or failed to write: \(error.message)")
        }
    }
}

import Foundation
import TaskQueue

/// The webhook task (DESIGN.md §11), on the `webhooks` queue and its own pool, so a slow
/// receiver never delays imports or `default`. (The fan-out of events into deliveries is the
/// relay's: `WebhookRelay`.)
public enum WebhookTasks {
    /// `{delivery_id}`: one attempt; its retries are this job's retries.
    public static let deliver = "app.tasks.webhook_tasks.deliver_webhook"
    public static let queue = "webhooks"

    public static func register(into registry: inout TaskRegistry, catalog: CatalogContext) {
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

    /// The job of a delivery, keyed by it: a second enqueue (after a crash, or by another
    /// process's relay) finds the first job.
    public static func submission(deliveryID: String) -> TaskSubmission {
        TaskSubmission(
            name: deliver, kwargs: ["delivery_id": .string(deliveryID)], queue: queue, idempotencyKey: "webhook-delivery:\(deliveryID)")
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

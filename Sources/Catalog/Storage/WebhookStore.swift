import Foundation
import TaskQueue

/// Webhooks (DESIGN.md §11): their configuration, the outbox of events written in the
/// transactions of the changes they describe, the deliveries (one per event and subscribed
/// webhook) and every attempt. Disabling or deleting a webhook cancels its pending deliveries.
public protocol WebhookStore: Sendable {
    // MARK: Configuration

    func createWebhook(_ draft: WebhookDraft) async throws -> Webhook
    func webhook(id: String) async throws -> Webhook?
    /// Newest first.
    func webhooks(_ filter: WebhookFilter) async throws -> (items: [Webhook], total: Int)
    /// `webhookNotFound`. Turning it off cancels its pending deliveries (in the same transaction);
    /// returns the webhook and the queue tasks of the cancelled deliveries.
    func updateWebhook(id: String, _ changes: WebhookChanges) async throws -> (webhook: Webhook, cancelledTasks: [String])
    /// `webhookNotFound`; cancels its pending deliveries; returns their queue tasks.
    func deleteWebhook(id: String) async throws -> [String]
    func rotateWebhookSecret(id: String, secret: String) async throws -> Webhook

    // MARK: The outbox and the relay

    /// Returns when this process recorded events (after their commit), or after `timeout`.
    func waitForEvents(timeout: TimeInterval) async
    /// Events the relay has not handed to the queue yet, oldest first.
    func undispatchedEvents(limit: Int) async throws -> [String]
    /// One delivery per active webhook subscribed to each event (none twice); returns the
    /// deliveries of these events that have no queue task yet (made now or by an earlier,
    /// interrupted hand-over).
    func fanOut(eventIDs: [String]) async throws -> [WebhookDelivery]
    /// Records the queue task of each delivery (delivery id → task id) and marks `events`
    /// handed over, in one transaction.
    func attachDeliveryTasks(_ tasks: [String: String], dispatching events: [String]) async throws

    // MARK: Attempts (a worker's thread)

    /// The delivery with its webhook and event; nil when it no longer exists.
    func deliveryWork(id: String) throws -> DeliveryWork?
    /// Records an attempt and its verdict in one transaction: the attempt, the delivery's state,
    /// and for a final outcome of an event delivery the webhook's counts (and an automatic
    /// disable after `autoDisableAfter` failures in a row, 0 = never).
    func recordAttempt(deliveryID: String, result: AttemptResult, verdict: AttemptVerdict, autoDisableAfter: Int) throws
        -> WebhookDelivery
    func cancelDelivery(id: String) throws

    /// A test delivery of `event` with `data` to the webhook, recorded with its one attempt
    /// (kind `test`; the webhook's counts stay) and its event (never handed to the relay).
    func recordTestDelivery(webhookID: String, event: String, eventID: String, data: JSONValue, result: AttemptResult)
        async throws -> WebhookDelivery

    // MARK: Reads and redelivery

    func deliveries(_ filter: DeliveryFilter) async throws -> (items: [WebhookDelivery], total: Int)
    func delivery(id: String) async throws -> (delivery: WebhookDelivery, attempts: [WebhookAttempt])?
    /// A webhook's attempts, newest first.
    func attempts(webhookID: String, limit: Int, offset: Int) async throws -> [WebhookAttempt]
    /// The delivery waits again for a new attempt (its earlier ones kept): `deliveryNotFound`,
    /// `webhookNotFound` when its webhook is gone.
    func redeliver(deliveryID: String) async throws -> WebhookDelivery
    /// The data of an event, to sign a test or redelivery anew.
    func eventData(eventID: String) async throws -> (event: String, data: JSONValue, occurredAt: Date)?

    // MARK: Retention

    /// Deletes finished deliveries (and their attempts) and dispatched events older than
    /// `cutoff`; returns how many deliveries.
    func deleteOldWebhookRecords(before cutoff: Date) throws -> Int
}

import Foundation
import Testing

@testable import Catalog

/// The webhook part of the catalogue store's contract, on every backend.
@Suite struct WebhookStoreTests {
    static func draft(_ events: [String] = ["product.created"], url: String = "http://127.0.0.1:1/in") throws -> WebhookDraft {
        try WebhookInput.draft(["url": .string(url), "events": .array(events.map { .string($0) })])
    }

    @Test(arguments: CatalogBackend.allCases)
    func configurationAndItsFilters(backend: CatalogBackend) async throws {
        let fixture = try CatalogStoreFixture(backend)
        let store = fixture.store
        let first = try await store.createWebhook(try Self.draft(["product.created", "import.completed"]))
        #expect(first.secret.hasPrefix("whsec_") && first.isActive && first.retryCount == 3 && first.timeoutSeconds == 10)
        let second = try await store.createWebhook(try Self.draft(["product.deleted"]))
        var changes = WebhookChanges()
        changes.isActive = false
        changes.description = "off"
        let (updated, cancelled) = try await store.updateWebhook(id: second.id, changes)
        #expect(!updated.isActive && updated.description == "off" && updated.events == ["product.deleted"] && cancelled.isEmpty)
        var filter = WebhookFilter()
        #expect(try await store.webhooks(filter).items.map(\.id) == [second.id, first.id])
        filter.isActive = true
        #expect(try await store.webhooks(filter).items.map(\.id) == [first.id])
        filter = WebhookFilter()
        filter.event = "import.completed"
        #expect(try await store.webhooks(filter).total == 1)
        let rotated = try await store.rotateWebhookSecret(id: first.id, secret: "whsec_" + Data(repeating: 7, count: 24).base64EncodedString())
        #expect(rotated.secret != first.secret && rotated.secretHint == String(rotated.secret.suffix(4)))
        _ = try await store.deleteWebhook(id: second.id)
        #expect(try await store.webhook(id: second.id) == nil)
        await #expect { try await store.deleteWebhook(id: second.id) } throws: { ($0 as? CatalogError)?.code == "webhook_not_found" }
    }

    @Test(arguments: CatalogBackend.allCases)
    func eventsAreWrittenWithTheirChangeOnlyWhenSubscribedAndFannedOutOnce(backend: CatalogBackend) async throws {
        let fixture = try CatalogStoreFixture(backend)
        let store = fixture.store
        // No webhook: a change writes no event
        _ = try await store.createProduct(try ProductStoreTests.draft("a"))
        #expect(try await store.undispatchedEvents(limit: 10).isEmpty)
        // Two webhooks subscribe, a third is off
        let one = try await store.createWebhook(try Self.draft())
        let two = try await store.createWebhook(try Self.draft(["product.created", "product.updated"]))
        let off = try await store.createWebhook(try Self.draft())
        var disable = WebhookChanges()
        disable.isActive = false
        _ = try await store.updateWebhook(id: off.id, disable)
        let product = try await store.createProduct(try ProductStoreTests.draft("b"))
        // A write that fails writes no event
        await #expect(throws: CatalogError.self) { try await store.createProduct(try ProductStoreTests.draft("B")) }
        let events = try await store.undispatchedEvents(limit: 10)
        #expect(events.count == 1)
        let event = try #require(events.first)
        #expect(event.hasPrefix("evt_"))
        #expect(try await store.eventData(eventID: event)?.data == product.json)
        // Fan-out: one delivery per active subscribed webhook, and never twice
        let deliveries = try await store.fanOut(eventIDs: events)
        #expect(Set(deliveries.map(\.webhookID)) == [one.id, two.id])
        // A hand-over interrupted after one job was recorded: the next one finds only the other
        try await store.attachDeliveryTasks([deliveries[0].id: "task-0"], dispatching: [])
        #expect(try await store.undispatchedEvents(limit: 10) == events)
        #expect(try await store.fanOut(eventIDs: events).map(\.id) == [deliveries[1].id])
        try await store.attachDeliveryTasks([deliveries[1].id: "task-1"], dispatching: events)
        #expect(try await store.undispatchedEvents(limit: 10).isEmpty)
        #expect(try await store.fanOut(eventIDs: events).isEmpty)
        // Disabling a webhook cancels what waits for it and names the queue tasks to revoke
        let (_, cancelled) = try await store.updateWebhook(id: one.id, disable)
        #expect(cancelled == ["task-0"])
        #expect(try await store.delivery(id: deliveries[0].id)?.delivery.state == .cancelled)
        #expect(try await store.webhook(id: two.id)?.pendingDeliveries == 1)
    }

    @Test(arguments: CatalogBackend.allCases)
    func attemptsMoveTheDeliveryAndTheWebhooksCounts(backend: CatalogBackend) async throws {
        let fixture = try CatalogStoreFixture(backend)
        let store = fixture.store
        let webhook = try await store.createWebhook(try Self.draft())
        _ = try await store.createProduct(try ProductStoreTests.draft("a"))
        _ = try await store.createProduct(try ProductStoreTests.draft("b"))
        let events = try await store.undispatchedEvents(limit: 10)
        let deliveries = try await store.fanOut(eventIDs: events)
        #expect(deliveries.map(\.eventID) == events)
        let (first, second) = (deliveries[0], deliveries[1])
        func result(_ status: Int?, error: String? = nil) -> AttemptResult {
            AttemptResult(
                statusCode: status, responseBody: "r", responseTimeMs: 1.5, error: error,
                requestHeaders: ["X-Status-Sent": "\(status ?? 0)"], requestBody: "{\"status\":\(status ?? 0)}", attemptedAt: Date())
        }
        // A failed attempt waits for its retry; the next one succeeds
        let retrying = try store.recordAttempt(deliveryID: first.id, result: result(500), verdict: .retry(after: 30), autoDisableAfter: 0)
        #expect(retrying.state == .retrying && retrying.attempts == 1 && retrying.nextAttemptAt != nil)
        let done = try store.recordAttempt(deliveryID: first.id, result: result(200), verdict: .succeeded, autoDisableAfter: 0)
        #expect(done.state == .succeeded && done.attempts == 2 && done.finishedAt != nil)
        // The detail: every attempt, and the request of the last one
        let detail = try #require(try await store.delivery(id: first.id))
        #expect(detail.attempts.map(\.statusCode) == [500, 200])
        #expect(detail.delivery.requestHeaders == ["X-Status-Sent": "200"] && detail.delivery.requestBody == #"{"status":200}"#)
        // A dead letter, and with auto-disable after 1 failure the webhook is off
        _ = try store.recordAttempt(deliveryID: second.id, result: result(nil, error: "timeout"), verdict: .failed, autoDisableAfter: 1)
        let after = try #require(try await store.webhook(id: webhook.id))
        #expect(after.successCount == 1 && after.failureCount == 1 && after.consecutiveFailures == 1 && !after.isActive)
        #expect(after.lastError == "timeout")
        // The logs: newest first, with the delivery's state after each attempt
        let logs = try await store.attempts(webhookID: webhook.id, limit: 10, offset: 0)
        #expect(logs.map(\.deliveryState) == [.failed, .succeeded, .retrying])
        var dead = DeliveryFilter()
        dead.state = .failed
        #expect(try await store.deliveries(dead).items.map(\.id) == [second.id])
        // A redelivery waits again; retention removes finished deliveries and their attempts
        #expect(try await store.redeliver(deliveryID: second.id).state == .pending)
        #expect(try store.deleteOldWebhookRecords(before: Date().addingTimeInterval(60)) == 1)
        #expect(try await store.attempts(webhookID: webhook.id, limit: 10, offset: 0).count == 1)
    }
}

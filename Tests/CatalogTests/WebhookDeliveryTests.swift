import Foundation
import Logging
import Synchronization
import TestSupport
import Testing

@testable import Catalog
@testable import TaskQueue

/// Signing, the retry rules, and deliveries through the queue with a scripted transport.
@Suite struct WebhookDeliveryTests {
    /// Vectors computed with Python's hmac (an independent implementation).
    @Test func signaturesMatchAnIndependentImplementation() {
        let body = Data(
            #"{"attempt":1,"data":{"a":1},"event":"product.created","id":"evt_x","occurred_at":"2026-12-03T12:00:00.000Z","test":false,"timestamp":"2026-12-03T12:00:00.000Z"}"#
                .utf8)
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
        #expect(WebhookSigner.signature(secret: secret, body: body) == "sha256=1659aafbe907b1bc35db738ff9e410f54b00e1e79b13346f2bca9ee2ebca186b")
        #expect(
            WebhookSigner.standardSignature(secret: secret, id: "evt_x", timestamp: 1_796_299_200, body: body)
                == "v1,izeX56Kkl7MRtOb0hijDEd/+OcvLjvbhCxZbErUTy48=")
        #expect(WebhookSigner.standardSignature(secret: "plain-secret-0123456789", id: "x", timestamp: 1, body: body) == nil)
    }

    @Test func theRetryRules() {
        let rules = WebhookConfiguration()
        let exact: (ClosedRange<Double>) -> Double = { _ in 1 }
        #expect(rules.verdict(statusCode: 204, retryAfter: nil, attempt: 1, retryCount: 3) == .succeeded)
        #expect(rules.verdict(statusCode: 410, retryAfter: nil, attempt: 1, retryCount: 3) == .failed)
        #expect(rules.verdict(statusCode: 302, retryAfter: nil, attempt: 1, retryCount: 3, random: exact) == .retry(after: 5))
        #expect(rules.verdict(statusCode: 500, retryAfter: nil, attempt: 3, retryCount: 3, random: exact) == .retry(after: 80))
        #expect(rules.verdict(statusCode: 500, retryAfter: nil, attempt: 4, retryCount: 3) == .failed)
        #expect(rules.verdict(statusCode: nil, retryAfter: nil, attempt: 9, retryCount: 10, random: exact) == .retry(after: 3600))
        #expect(rules.verdict(statusCode: 429, retryAfter: "7", attempt: 1, retryCount: 3) == .retry(after: 7))
        #expect(rules.verdict(statusCode: 503, retryAfter: "99999", attempt: 1, retryCount: 3) == .retry(after: 3600))
        let now = Date(timeIntervalSince1970: 1_796_299_200)
        #expect(rules.verdict(statusCode: 503, retryAfter: "Thu, 03 Dec 2026 12:01:00 GMT", attempt: 1, retryCount: 3, now: now) == .retry(after: 60))
        for attempt in 1...6 {
            let delay = rules.delay(afterAttempt: attempt)
            let exact = min(5 * pow(4, Double(attempt - 1)), 3600)
            #expect(delay >= exact * 0.8 && delay <= exact * 1.2, "attempt \(attempt): \(delay)")
        }
    }

    @Test(arguments: CatalogBackend.allCases)
    func aFailingReceiverIsRetriedThroughTheQueueThenSucceeds(backend: CatalogBackend) async throws {
        // A receiver that fails twice, then answers 200
        let transport = FakeTransport { index, _ in
            index < 2 ? .success(WebhookResponse(statusCode: 500, retryAfter: "0", body: Data())) : .success(WebhookResponse(statusCode: 200, retryAfter: nil, body: Data("ok".utf8)))
        }
        let fixture = try CatalogFixture(backend, transport: transport)
        let webhook = try await fixture.store.createWebhook(try WebhookStoreTests.draft())
        try await withWebhookWorker(fixture) { client, store in
            _ = try await fixture.store.createProduct(try ProductStoreTests.draft("p-1"))
            try await WebhookRelay(store: fixture.store, client: client, logger: Logger(label: "relay")).dispatch()
            let delivered = try await eventually(timeout: 10) {
                try await fixture.store.deliveries(DeliveryFilter()).items.first?.state == .succeeded
            }
            #expect(delivered)
        }
        let delivery = try #require(try await fixture.store.deliveries(DeliveryFilter()).items.first)
        #expect(delivery.attempts == 3)
        // Every attempt carries the same event id, its number, and a valid signature
        let requests = transport.requests
        #expect(requests.count == 3)
        let ids = Set(requests.compactMap { $0.headers.first { $0.name == "X-Webhook-Id" }?.value })
        #expect(ids == [delivery.eventID])
        #expect(requests.map { $0.headers.first { $0.name == "X-Webhook-Attempt" }?.value } == ["1", "2", "3"])
        for request in requests {
            let signature = request.headers.first { $0.name == "X-Webhook-Signature" }?.value
            #expect(signature == WebhookSigner.signature(secret: webhook.secret, body: request.body))
        }
        let after = try #require(try await fixture.store.webhook(id: webhook.id))
        #expect(after.successCount == 1 && after.failureCount == 0)
    }

    @Test(arguments: CatalogBackend.allCases)
    func aGoneReceiverIsADeadLetterAtOnce(backend: CatalogBackend) async throws {
        let transport = FakeTransport { _, _ in .success(WebhookResponse(statusCode: 410, retryAfter: nil, body: Data())) }
        let fixture = try CatalogFixture(backend, transport: transport)
        _ = try await fixture.store.createWebhook(try WebhookStoreTests.draft())
        try await withWebhookWorker(fixture) { client, store in
            _ = try await fixture.store.createProduct(try ProductStoreTests.draft("p-1"))
            try await WebhookRelay(store: fixture.store, client: client, logger: Logger(label: "relay")).dispatch()
            let failed = try await eventually(timeout: 10) {
                try await fixture.store.deliveries(DeliveryFilter()).items.first?.state == .failed
            }
            #expect(failed)
            let tasks = try await store.jobs(JobFilter(state: .failure, name: WebhookTasks.deliver))
            #expect(tasks.first?.error?.type == "WebhookDeliveryFailed")
        }
        #expect(transport.requests.count == 1)
    }

    /// A worker serving the webhooks queue on an in-memory queue, with the webhook tasks.
    func withWebhookWorker(_ fixture: CatalogFixture, _ body: (QueueClient, MemoryQueueStore) async throws -> Void) async throws {
        var registry = TaskRegistry()
        WebhookTasks.register(into: &registry, catalog: fixture.catalog)
        let store = MemoryQueueStore()
        let client = QueueClient(store: store, registry: registry)
        let worker = Worker(
            configuration: WorkerConfiguration(name: "w@h:1", pools: [.init(queues: [WebhookTasks.queue], concurrency: 2)]),
            client: client, logger: Logger(label: "test"))
        let running = Task { try await worker.run() }
        do {
            try await body(client, store)
        } catch {
            worker.beginWarmShutdown()
            _ = try? await running.value
            throw error
        }
        worker.beginWarmShutdown()
        try await running.value
    }
}

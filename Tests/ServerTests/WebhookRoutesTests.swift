import Catalog
import Foundation
import HTTPTypes
import TestSupport
import Testing

@testable import Server
@testable import TaskQueue

/// Webhooks over HTTP (DESIGN.md §11, issue 17), with a scripted transport.
@Suite struct WebhookRoutesTests {
    func create(_ api: APIHarness, _ body: JSONValue) async throws -> APIHarness.Reply {
        try await api.send(.post, "/api/v1/webhooks", json: body)
    }

    @Test(arguments: APIHarness.Backend.allCases)
    func configurationAndTheSecretShownOnce(backend: APIHarness.Backend) async throws {
        let api = try APIHarness(backend, transport: ScriptedTransport())
        let created = try await create(
            api, ["url": "https://example.com/hook", "events": ["product.created"], "headers": ["X-Token": "t"], "colour": "red"])
        #expect(created.status == .created)
        let id = try #require(created.json["id"]?.stringValue)
        let secret = try #require(created.json["secret"]?.stringValue)
        #expect(secret.hasPrefix("whsec_"))
        #expect(created.headers[.location] == "/api/v1/webhooks/\(id)")
        // Every other answer shows the hint only
        let read = try await api.send(.get, "/api/v1/webhooks/\(id)")
        #expect(read.json["secret"] == nil && read.json["has_secret"] == true)
        #expect(read.json["secret_hint"] == .string(String(secret.suffix(4))))
        #expect(!read.text.contains(secret))
        #expect(!(try await api.send(.get, "/api/v1/webhooks").text.contains(secret)))
        // A given secret is kept; bad values are 422 naming the field
        let given = try await create(api, ["url": "http://h/x", "events": ["import.completed"], "secret": "my-own-secret-0123456789"])
        #expect(given.json["secret"] == "my-own-secret-0123456789")
        let bad: [(JSONValue, String)] = [
            (["url": "ftp://h/x", "events": ["product.created"]], "url"),
            (["url": "http://user:pw@h/x", "events": ["product.created"]], "url"),
            (["url": .string("http://h/" + String(repeating: "x", count: 2100)), "events": ["product.created"]], "url"),
            (["url": "http://h/x", "events": []], "events"),
            (["url": "http://h/x", "events": ["product.exploded"]], "events"),
            (["url": "http://h/x", "events": ["product.created"], "headers": ["X-Webhook-Signature": "x"]], "headers"),
            (["url": "http://h/x", "events": ["product.created"], "headers": ["Content-Type": "text/plain"]], "headers"),
            (["url": "http://h/x", "events": ["product.created"], "headers": ["X-Ok": "a\r\nInjected: 1"]], "headers"),
            (["url": "http://h/x", "events": ["product.created"], "retry_count": 11], "retry_count"),
            (["url": "http://h/x", "events": ["product.created"], "timeout_seconds": 0], "timeout_seconds"),
            (["url": "http://h/x", "events": ["product.created"], "secret": "short"], "secret"),
        ]
        for (body, field) in bad {
            let reply = try await create(api, body)
            #expect(reply.status == .unprocessableContent, "\(body)")
            #expect(reply.json["error"]?["field"] == .string(field), "\(body): \(reply.text)")
        }
        // PATCH and PUT are partial; the secret changes only by rotation
        let patched = try await api.send(.patch, "/api/v1/webhooks/\(id)", json: ["retry_count": 5, "description": "d"])
        #expect(patched.json["retry_count"] == 5 && patched.json["url"] == "https://example.com/hook")
        #expect(try await api.send(.put, "/api/v1/webhooks/\(id)", json: ["secret": "another-secret-0123456789"]).status == .unprocessableContent)
        #expect(try await api.send(.put, "/api/v1/webhooks/\(id)", json: [:]).status == .unprocessableContent)
        let rotated = try await api.send(.post, "/api/v1/webhooks/\(id)/rotate-secret")
        #expect(rotated.status == .ok)
        #expect(rotated.json["secret"]?.stringValue != secret)
        // Filters, disable, enable, delete
        #expect(try await api.send(.post, "/api/v1/webhooks/\(id)/disable").json["is_active"] == false)
        #expect(try await api.send(.get, "/api/v1/webhooks?is_active=true").json["total"] == 1)
        #expect(try await api.send(.get, "/api/v1/webhooks?event=import.completed").json["total"] == 1)
        #expect(try await api.send(.get, "/api/v1/webhooks?event=nope").status == .unprocessableContent)
        #expect(try await api.send(.post, "/api/v1/webhooks/\(id)/enable").json["is_active"] == true)
        #expect(try await api.send(.delete, "/api/v1/webhooks/\(id)").status == .noContent)
        #expect(try await api.send(.get, "/api/v1/webhooks/\(id)").status == .notFound)
        let events = try await api.send(.get, "/api/v1/webhooks/events")
        #expect(events.json["items"]?.arrayValue?.count == 7)
        #expect(events.json["items"]?.arrayValue?.allSatisfy { $0["description"] != nil && $0["sample"] != nil } == true)
    }

    @Test(arguments: APIHarness.Backend.allCases)
    func aTestIsOneRecordedAttemptAlsoWhenDisabled(backend: APIHarness.Backend) async throws {
        let transport = ScriptedTransport()
        let api = try APIHarness(backend, transport: transport)
        let id = try #require(
            try await create(api, ["url": "http://127.0.0.1:9/in", "events": ["product.created"], "is_active": false]).json["id"]?.stringValue)
        let ok = try await api.send(.post, "/api/v1/webhooks/\(id)/test", json: ["event": "import.completed"])
        #expect(ok.status == .ok)
        #expect(ok.json["success"] == true && ok.json["status_code"] == 200 && ok.json["response_body"] == "answer 200")
        for key in ["response_time_ms", "error", "delivery_id", "attempted_at"] { #expect(ok.json[key] != nil, "\(key)") }
        transport.answer(status: 0, error: "no answer within 10 s (timeout)")
        let failed = try await api.send(.post, "/api/v1/webhooks/\(id)/test", json: ["payload": ["hello": "world"]])
        #expect(failed.json["success"] == false && failed.json["error"] == "no answer within 10 s (timeout)")
        // The request was signed and marked as a test, with the given payload
        let body = try JSONValue(parsing: try #require(transport.requests.last?.body))
        #expect(body["test"] == true && body["data"] == ["hello": "world"])
        #expect(transport.requests.first?.timeout == 10)
        // Logs: a bare array, newest first; counts unchanged
        let logs = try await api.send(.get, "/api/v1/webhooks/\(id)/logs")
        #expect(logs.json.arrayValue?.map { $0["kind"] } == ["test", "test"])
        #expect(logs.json.arrayValue?.first?["error"] == "no answer within 10 s (timeout)")
        let webhook = try await api.send(.get, "/api/v1/webhooks/\(id)")
        #expect(webhook.json["success_count"] == 0 && webhook.json["failure_count"] == 0)
        #expect(try await api.send(.post, "/api/v1/webhooks/\(id)/test", json: ["event": "nope"]).status == .unprocessableContent)
        #expect(try await api.send(.post, "/api/v1/webhooks/\(JobID.make())/test").status == .notFound)
    }

    @Test(arguments: APIHarness.Backend.allCases)
    func deliveriesOfProductEventsTheirDetailAndRedelivery(backend: APIHarness.Backend) async throws {
        let transport = ScriptedTransport()
        let api = try APIHarness(backend, transport: transport) { $0.catalog.webhooks.retryBase = 0.05 }
        let created = try await create(
            api, ["url": "http://127.0.0.1:9/in", "events": ["product.created", "product.updated"], "retry_count": 1])
        let id = try #require(created.json["id"]?.stringValue)
        let secret = try #require(created.json["secret"]?.stringValue)
        transport.answer(status: 503)
        try await api.withWorker {
            _ = try await api.send(.post, "/api/v1/products", json: ["sku": "a", "name": "n"])
            let failed = try await eventually(timeout: 10) {
                try await api.send(.get, "/api/v1/webhooks/deliveries?state=failed").json["total"] == 1
            }
            #expect(failed)
        }
        let list = try await api.send(.get, "/api/v1/webhooks/deliveries?webhook_id=\(id)")
        let delivery = try #require(list.json["items"]?.arrayValue?.first)
        #expect(delivery["event"] == "product.created" && delivery["attempts"] == 2 && delivery["last_status_code"] == 503)
        let deliveryID = try #require(delivery["id"]?.stringValue)
        let detail = try await api.send(.get, "/api/v1/webhooks/deliveries/\(deliveryID)")
        #expect(detail.json["request"]?["headers"]?["X-Webhook-Attempt"] == "2")
        #expect(detail.json["request"]?["body"]?["data"]?["sku"] == "a")
        #expect(detail.json["attempts_detail"]?.arrayValue?.count == 2)
        #expect(!detail.text.contains(secret))
        // Redelivered to a receiver that answers now: the same event, signed anew
        transport.answer(status: 200)
        let redelivered = try await api.send(.post, "/api/v1/webhooks/deliveries/\(deliveryID)/redeliver")
        #expect(redelivered.status == .accepted && redelivered.json["delivery_id"] == .string(deliveryID))
        try await api.withWorker {
            let done = try await eventually(timeout: 10) {
                try await api.send(.get, "/api/v1/webhooks/deliveries/\(deliveryID)").json["state"] == "succeeded"
            }
            #expect(done)
        }
        let ids = Set(transport.requests.compactMap { $0.headers.first { $0.name == "X-Webhook-Id" }?.value })
        #expect(ids.count == 1)
        // Each verdict is counted in /metrics (per process, so other tests may add to them).
        let metrics = try await api.send(.get, "/metrics").text
        for verdict in ["retry", "failed", "succeeded"] {
            let line = metrics.split(separator: "\n").first { $0.hasPrefix("importer_webhook_attempts_total{verdict=\"\(verdict)\"}") }
            #expect((line?.split(separator: " ").last.flatMap { Double($0) } ?? 0) >= 1, "\(verdict): \(String(describing: line))")
        }
        #expect(metrics.contains("importer_webhook_response_seconds"))
        #expect(try await api.send(.get, "/api/v1/webhooks/deliveries?state=nope").status == .unprocessableContent)
        #expect(try await api.send(.get, "/api/v1/webhooks/deliveries/\(JobID.make())").status == .notFound)
    }
}

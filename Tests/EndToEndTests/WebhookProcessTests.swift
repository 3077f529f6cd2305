import Foundation
import GRDB
import PostgresNIO
import PostgresSupport
import TestSupport
import Testing

@testable import TaskQueue

/// Webhooks with the real binary and a real receiver (issue 17): signatures checked by Python's
/// hmac, retries, dead letters, cancellation, and no event lost or doubled across SIGKILL.
@Suite(.serialized) struct WebhookProcessTests {
    static let json = ["Content-Type": "application/json"]
    /// Fast retries: 0.2 s, 0.4 s, 0.8 s…
    static let fastRetries = ["IMPORTER_WEBHOOK_RETRY_BASE": "0.2", "IMPORTER_WEBHOOK_RETRY_FACTOR": "2"]

    /// Creates a webhook to `receiver`'s `inbox` and tells the receiver its secret.
    func webhook(
        _ client: HTTPClient, _ receiver: WebhookReceiver, inbox: String, mode: String = "ok", events: [String] = ["product.created"],
        extra: String = ""
    ) throws -> String {
        let events = events.map { "\"\($0)\"" }.joined(separator: ",")
        let reply = try client.send(
            "POST", "/api/v1/webhooks", headers: Self.json,
            body: #"{"url": "\#(receiver.url(inbox, mode))", "events": [\#(events)]\#(extra)}"#)
        #expect(reply.status == 201, "\(reply.text)")
        try receiver.setSecret(try #require(reply.json["secret"]?.stringValue), for: inbox)
        return try #require(reply.json["id"]?.stringValue)
    }

    func createProducts(_ client: HTTPClient, _ range: Range<Int>) throws {
        for index in range {
            _ = try client.send("POST", "/api/v1/products", headers: Self.json, body: #"{"sku": "p-\#(index)", "name": "n"}"#)
        }
    }

    /// The event ids of `event` the receiver got in `inbox`, with how often each came.
    func received(_ receiver: WebhookReceiver, _ inbox: String, event: String = "product.created") -> [String: Int] {
        var counts: [String: Int] = [:]
        for record in receiver.records(inbox) where record["event"] as? String == event {
            counts[record["event_id"] as? String ?? "", default: 0] += 1
        }
        return counts
    }

    @Test func deliveriesAreSignedRetriedAndDeadLettered() async throws {
        let receiver = try WebhookReceiver()
        let sandbox = try Sandbox()
        let (server, client) = try await ServeTests().serve(sandbox, environment: Self.fastRetries)
        defer { server.signal(SIGKILL) }
        _ = try webhook(client, receiver, inbox: "standard", extra: #", "headers": {"X-Custom": "yes"}"#)
        _ = try webhook(client, receiver, inbox: "plain", extra: #", "secret": "a-plain-secret-0123456789""#)
        _ = try webhook(client, receiver, inbox: "flaky", mode: "fail-2")
        _ = try webhook(client, receiver, inbox: "gone", mode: "status-410")
        _ = try webhook(client, receiver, inbox: "moved", mode: "status-302", extra: #", "retry_count": 2"#)
        _ = try webhook(client, receiver, inbox: "later", mode: "retry-after-1")
        _ = try webhook(client, receiver, inbox: "hangs", mode: "hang", extra: #", "retry_count": 1, "timeout_seconds": 1"#)
        let big = try webhook(client, receiver, inbox: "big", mode: "big-200000")
        _ = try webhook(client, receiver, inbox: "dribbles", mode: "slowbody-5", extra: #", "retry_count": 0, "timeout_seconds": 1"#)
        try createProducts(client, 0..<1)
        // All nine must exist before "none open" means anything: the fan-out creates them.
        let settled = try await eventually(timeout: 30) {
            guard try client.send("GET", "/api/v1/webhooks/deliveries").json["total"] == 9 else { return false }
            let open = try client.send("GET", "/api/v1/webhooks/deliveries?state=pending").json["total"]?.intValue ?? 1
            let retrying = try client.send("GET", "/api/v1/webhooks/deliveries?state=retrying").json["total"]?.intValue ?? 1
            return open == 0 && retrying == 0
        }
        #expect(settled)
        // Every request verified by Python's hmac, both signatures where the secret is whsec_
        let standard = receiver.records("standard")
        #expect(standard.count == 1)
        #expect(standard.first?["signature_valid"] as? Bool == true && standard.first?["standard_valid"] as? Bool == true)
        #expect(standard.first?["custom"] as? String == "yes")
        #expect((standard.first?["user_agent"] as? String)?.hasPrefix("importer-webhooks/") == true)
        let plain = receiver.records("plain")
        #expect(plain.first?["signature_valid"] as? Bool == true && plain.first?["standard_valid"] is NSNull)
        for inbox in ["flaky", "gone", "moved", "later", "hangs"] {
            #expect(receiver.records(inbox).allSatisfy { $0["signature_valid"] as? Bool == true }, "\(inbox)")
        }
        // Retries carry the same event id and the next attempt number; the outcomes
        #expect(receiver.records("flaky").map { $0["attempt"] as? Int } == [1, 2, 3])
        #expect(Set(receiver.records("flaky").map { $0["event_id"] as? String }).count == 1)
        #expect(receiver.records("gone").count == 1)
        #expect(receiver.records("moved").count == 3)
        let later = receiver.records("later")
        #expect(later.count == 2)
        if later.count == 2, let first = later[0]["received_at"] as? Double, let second = later[1]["received_at"] as? Double {
            #expect(second - first >= 0.9, "Retry-After: 1 was not honoured (\(second - first) s)")
        }
        #expect(receiver.records("hangs").count == 2)
        let failed = try client.send("GET", "/api/v1/webhooks/deliveries?state=failed").json
        #expect(failed["total"] == 4)
        // A hanging receiver and one whose body trickles in both time out (the whole exchange)
        let errors = failed["items"]?.arrayValue?.compactMap { $0["last_error"]?.stringValue } ?? []
        #expect(errors.filter { $0.contains("timeout") }.count == 2, "\(errors)")
        #expect(try client.send("GET", "/api/v1/webhooks/deliveries?state=succeeded").json["total"] == 5)
        // A big answer is read up to 64 KiB and stored up to 4 KiB, by a delivery and by a test
        let bigDelivery = try #require(
            try client.send("GET", "/api/v1/webhooks/deliveries?webhook_id=\(big)").json["items"]?.arrayValue?.first?["id"]?.stringValue)
        let detail = try client.send("GET", "/api/v1/webhooks/deliveries/\(bigDelivery)").json
        #expect(detail["attempts_detail"]?.arrayValue?.first?["response_body"]?.stringValue?.count == 4096, "\(detail)")
        let test = try client.send("POST", "/api/v1/webhooks/\(big)/test", headers: Self.json, body: "{}").json
        #expect(test["status_code"] == 200 && test["response_body"]?.stringValue?.count == 4096, "\(test)")
    }

    @Test func disablingCancelsWhatWaits() async throws {
        let receiver = try WebhookReceiver()
        let sandbox = try Sandbox()
        let (server, client) = try await ServeTests().serve(sandbox, environment: ["IMPORTER_WEBHOOK_RETRY_BASE": "2"])
        defer { server.signal(SIGKILL) }
        let id = try webhook(client, receiver, inbox: "down", mode: "status-503", extra: #", "retry_count": 10"#)
        try createProducts(client, 0..<1)
        let retrying = try await eventually(timeout: 10) {
            try client.send("GET", "/api/v1/webhooks/deliveries?state=retrying").json["total"] == 1
        }
        #expect(retrying)
        #expect(try client.send("POST", "/api/v1/webhooks/\(id)/disable").json["pending_deliveries"] == 0)
        #expect(try client.send("GET", "/api/v1/webhooks/deliveries?state=cancelled").json["total"] == 1)
        let attempts = receiver.records("down").count
        try await Task.sleep(for: .seconds(3))
        #expect(receiver.records("down").count == attempts, "a cancelled delivery was attempted again")
    }

    /// Events committed while no relay runs (an API process), then a crash: the next worker
    /// process hands them over, each delivered once.
    @Test func eventsCommittedBeforeACrashAreDeliveredByTheNextProcess() async throws {
        let receiver = try WebhookReceiver()
        let sandbox = try Sandbox()
        let api = try ImporterProcess(["api", "--port", "0"], dataDir: sandbox.dataDir)
        #expect(await api.waitForLog("http_ready"), "\(api.log)")
        let line = try #require(api.log.split(separator: "\n").first { $0.contains("http_ready") })
        let port = try #require(line.split(separator: " ").first { $0.hasPrefix("port=") }.flatMap { Int($0.dropFirst(5)) })
        let client = HTTPClient(port: port)
        _ = try webhook(client, receiver, inbox: "later")
        try createProducts(client, 0..<50)
        api.signal(SIGKILL)
        _ = await api.waitForExit()
        #expect(received(receiver, "later").isEmpty)
        let (server, _) = try await ServeTests().serve(sandbox)
        defer { server.signal(SIGKILL) }
        let delivered = await eventually(timeout: 20) { received(receiver, "later").count == 50 }
        #expect(delivered, "\(received(receiver, "later").count) of 50 delivered")
        try await Task.sleep(for: .seconds(1))
        #expect(received(receiver, "later").values.allSatisfy { $0 == 1 }, "an event was sent twice")
    }

    /// A burst of 1,000 product writes, the process SIGKILLed in the middle and started again:
    /// every committed event reaches the receiver, and no change gets two event ids.
    @Test func aBurstInterruptedBySIGKILLDeliversEveryCommittedEventOnce() async throws {
        let receiver = try WebhookReceiver()
        let sandbox = try Sandbox()
        var (server, client) = try await ServeTests().serve(sandbox)
        _ = try webhook(client, receiver, inbox: "burst")
        let writer = Task.detached { [client] in
            await withTaskGroup(of: Void.self) { group in
                for worker in 0..<8 {
                    group.addTask { try? self.createProducts(client, (worker * 125)..<((worker + 1) * 125)) }
                }
            }
        }
        _ = await eventually(timeout: 60) { received(receiver, "burst").count >= 300 }
        server.signal(SIGKILL)
        _ = await server.waitForExit()
        await writer.value
        (server, client) = try await ServeTests().serve(sandbox)
        defer { server.signal(SIGKILL) }
        // The committed events, read from the catalogue itself
        let committed = try await sandbox.committedEvents("product.created")
        let products = try client.send("GET", "/api/v1/products?limit=1").json["total"]?.intValue ?? -1
        #expect(committed.count == products, "one event per created product")
        let delivered = await eventually(timeout: 60) { Set(received(receiver, "burst").keys) == committed }
        #expect(delivered, "\(Set(received(receiver, "burst").keys).symmetricDifference(committed).count) event ids differ")
        #expect(committed.count > 300 && committed.count <= 1000)
    }

    @Test func anImportAndABulkDeleteSendOneSummaryEach() async throws {
        let receiver = try WebhookReceiver()
        let sandbox = try Sandbox()
        let (server, client) = try await ServeTests().serve(sandbox)
        defer { server.signal(SIGKILL) }
        _ = try webhook(
            client, receiver, inbox: "summary", events: ["import.started", "import.completed", "products.bulk_deleted", "product.created"])
        var csv = "sku,name\n"
        for index in 0..<200_000 { csv += "sku-\(index),Product \(index)\n" }
        let path = sandbox.root + "/products.csv"
        try csv.write(toFile: path, atomically: true, encoding: .utf8)
        let imported = try await ImporterProcess.run(["import", path, "--wait"], dataDir: sandbox.dataDir)
        #expect(imported.status == 0, "\(imported.log)")
        let deleted = try client.send("DELETE", "/api/v1/products/all")
        let task = try #require(deleted.json["task_id"]?.stringValue)
        let done = try await eventually(timeout: 60) {
            try client.send("GET", "/api/v1/products/delete/\(task)/status").json["status"] == "SUCCESS"
        }
        #expect(done)
        let summaries = await eventually(timeout: 20) { received(receiver, "summary", event: "products.bulk_deleted").count == 1 }
        #expect(summaries)
        try await Task.sleep(for: .seconds(1))
        #expect(received(receiver, "summary", event: "import.started").count == 1)
        #expect(received(receiver, "summary", event: "import.completed").count == 1)
        #expect(received(receiver, "summary", event: "products.bulk_deleted").count == 1)
        #expect(received(receiver, "summary", event: "product.created").isEmpty, "a CSV row sent an event")
        let completed = receiver.records("summary").first { $0["event"] as? String == "import.completed" }
        let data = (completed?["body"] as? [String: Any])?["data"] as? [String: Any]
        #expect(data?["created"] as? Int == 200_000 && data?["rows_processed"] as? Int == 200_000)
        let bulk = receiver.records("summary").first { $0["event"] as? String == "products.bulk_deleted" }
        #expect(((bulk?["body"] as? [String: Any])?["data"] as? [String: Any])?["deleted_count"] as? Int == 200_000)
    }

    /// `importer webhooks list|test|redeliver` on the data directory of a running `serve`.
    @Test func theCommandLineListsTestsAndRedelivers() async throws {
        let receiver = try WebhookReceiver()
        let sandbox = try Sandbox()
        let (server, client) = try await ServeTests().serve(sandbox)
        defer { server.signal(SIGKILL) }
        let good = try webhook(client, receiver, inbox: "good")
        let bad = try webhook(client, receiver, inbox: "bad", mode: "status-500", extra: #", "retry_count": 0"#)
        let listed = try await ImporterProcess.run(["webhooks", "list"], dataDir: sandbox.dataDir)
        #expect(listed.status == 0, "\(listed.log)")
        let webhooks = try JSONValue(parsing: listed.output).arrayValue ?? []
        #expect(Set(webhooks.compactMap { $0["id"]?.stringValue }) == [good, bad])
        #expect(webhooks.allSatisfy { $0["secret"] == nil && $0["has_secret"] == true })
        #expect(!listed.output.contains("whsec_"), "a secret was printed")

        let passed = try await ImporterProcess.run(["webhooks", "test", good, "--event", "import.completed"], dataDir: sandbox.dataDir)
        #expect(passed.status == 0, "\(passed.log)")
        #expect(try JSONValue(parsing: passed.output)["status_code"] == 200)
        let test = try #require(receiver.records("good").last)
        #expect(test["event"] as? String == "import.completed" && (test["body"] as? [String: Any])?["test"] as? Bool == true)
        #expect(test["signature_valid"] as? Bool == true)
        let refused = try await ImporterProcess.run(["webhooks", "test", bad], dataDir: sandbox.dataDir)
        #expect(refused.status != 0)
        #expect(refused.log == "importer: the test was not accepted: HTTP 500\n", "\(refused.log)")
        #expect(try JSONValue(parsing: refused.output)["success"] == false)

        // A dead letter sent again by the running worker, with the same event id
        try createProducts(client, 0..<1)
        let dead = await eventually(timeout: 10) {
            (try? client.send("GET", "/api/v1/webhooks/deliveries?state=failed&webhook_id=\(bad)").json["total"]) == 1
        }
        #expect(dead)
        let failed = try #require(
            client.send("GET", "/api/v1/webhooks/deliveries?state=failed&webhook_id=\(bad)").json["items"]?.arrayValue?.first)
        let delivery = try #require(failed["id"]?.stringValue)
        let event = try #require(failed["event_id"]?.stringValue)
        let redelivered = try await ImporterProcess.run(["webhooks", "redeliver", delivery], dataDir: sandbox.dataDir)
        #expect(redelivered.status == 0, "\(redelivered.log)")
        #expect(try JSONValue(parsing: redelivered.output)["delivery_id"]?.stringValue == delivery)
        // Its event twice now (the inbox also holds the test's event, once).
        let again = await eventually(timeout: 10) { received(receiver, "bad")[event] == 2 }
        #expect(again, "\(received(receiver, "bad"))")
        let unknown = try await ImporterProcess.run(["webhooks", "redeliver", "nope"], dataDir: sandbox.dataDir)
        #expect(unknown.status != 0 && unknown.log == "importer: no webhook delivery with id 'nope'\n", "\(unknown.log)")
    }
}

extension Sandbox {
    /// The ids of the committed webhook events of type `event`, read from the catalogue itself.
    func committedEvents(_ event: String) async throws -> Set<String> {
        if let pool {
            return try pool.withSession { session in
                Set(try session.query("SELECT id FROM webhook_events WHERE event = \(event)").map { try $0.get("id", as: String.self) })
            }
        }
        return try await DatabaseQueue(path: dataDir + "/catalog.sqlite").read { db in
            Set(try String.fetchAll(db, sql: "SELECT id FROM webhook_events WHERE event = ?", arguments: [event]))
        }
    }
}

import Foundation
import HTTPTypes
import TestSupport
import Testing

@testable import Server
@testable import TaskQueue

/// Every route and every error of DESIGN.md §6, through the responder.
@Suite struct APIRoutesTests {
    @Test(arguments: APIHarness.Backend.allCases)
    func healthEndpoints(backend: APIHarness.Backend) async throws {
        let api = try APIHarness(backend)
        for path in ["/health", "/healthz"] {
            let reply = try await api.send(.get, path)
            #expect(reply.status == .ok)
            #expect(reply.json["status"] == "healthy")
            #expect(reply.json["database"] == "ok")
        }
    }

    @Test(arguments: APIHarness.Backend.allCases)
    func seedFlowTestTaskStatusAndWorkers(backend: APIHarness.Backend) async throws {
        let api = try APIHarness(backend)
        try await api.withWorker {
            // POST /api/v1/celery/test, then poll the task until SUCCESS
            let submitted = try await api.send(.post, "/api/v1/celery/test")
            #expect(submitted.status == .ok)
            #expect(submitted.json["status"] == "submitted")
            #expect(submitted.json["message"] == "Test task has been submitted to the worker")
            let id = try #require(submitted.json["task_id"]?.stringValue)
            #expect(try await eventually { try await api.send(.get, "/api/v1/celery/task/\(id)").json["status"] == "SUCCESS" })
            let status = try await api.send(.get, "/api/v1/celery/task/\(id)")
            #expect(status.json["result"]?["message"] == "Worker is functioning correctly!")
            #expect(status.json["error"] == .null)
            #expect(status.json["name"] == "app.tasks.product_tasks.test_task")
            // Served again from the cache of finished answers: the same bytes
            #expect(try await api.send(.get, "/api/v1/celery/task/\(id)").body == status.body)
            // GET /api/v1/celery/workers lists the live worker and the registered names
            #expect(try await eventually { try await api.send(.get, "/api/v1/celery/workers").json["workers"]?["stats"]?.objectValue?.isEmpty == false })
            let workers = try await api.send(.get, "/api/v1/celery/workers")
            #expect(workers.json["status"] == "success")
            let stats = try #require(workers.json["workers"]?["stats"]?.objectValue?.values.first)
            #expect(stats["prefetch_count"] == 1)
            #expect(stats["broker"]?["transport"] == (backend == .sqlite ? "sqlite" : "postgresql"))
            #expect(workers.json["workers"]?["registered_tasks"]?.arrayValue?.contains("app.tasks.product_tasks.test_task") == true)
            #expect(workers.json["workers"]?["active"]?.objectValue != nil)
        }
    }

    @Test func celeryStatusOfFailureAndUnknownIds() async throws {
        let api = try APIHarness { $0.worker.defaultRetry.maxRetries = 0 }
        try await api.withWorker {
            let id = try #require(
                try await api.send(.post, "/api/v1/tasks", json: ["name": "importer.testing.fail", "args": [1]]).json["task_id"]?.stringValue)
            #expect(try await eventually { try await api.send(.get, "/api/v1/celery/task/\(id)").json["status"] == "FAILURE" })
            let reply = try await api.send(.get, "/api/v1/celery/task/\(id)")
            #expect(reply.json["error"]?.stringValue?.contains("failing on purpose") == true)
            #expect(reply.json["error_detail"]?["type"] == "RetryableError")
        }
        let unknown = try await api.send(.get, "/api/v1/celery/task/\(JobID.make())")
        #expect(unknown.status == .notFound)
        #expect(unknown.json["error"]?["code"] == "not_found")
        #expect(try await api.send(.get, "/api/v1/celery/task/not-a-uuid").status == .notFound)
    }

    @Test(arguments: APIHarness.Backend.allCases)
    func deleteRevokesAWaitingTaskAndIsNoopWhenFinished(backend: APIHarness.Backend) async throws {
        let api = try APIHarness(backend)
        let id = try #require(
            try await api.send(.post, "/api/v1/tasks", json: ["name": "importer.testing.noop", "countdown": 60]).json["task_id"]?.stringValue)
        let revoked = try await api.send(.delete, "/api/v1/celery/task/\(id)")
        #expect(revoked.status == .ok)
        #expect(revoked.json["status"] == "success")
        #expect(revoked.json["state"] == "REVOKED")
        #expect(revoked.json["message"] == .string("Task \(id) has been revoked"))
        let again = try await api.send(.delete, "/api/v1/celery/task/\(id)")
        #expect(again.json["status"] == "noop")
        #expect(again.json["state"] == "REVOKED")
        #expect(try await api.send(.delete, "/api/v1/celery/task/\(JobID.make())").status == .notFound)
    }

    @Test func submitValidatesAndHonoursIdempotencyKeys() async throws {
        let api = try APIHarness { $0.queue.maxPayloadBytes = 2048 }
        let ok = try await api.send(
            .post, "/api/v1/tasks", headers: [.idempotencyKey: "k-1"],
            json: ["name": "importer.testing.noop", "args": [1], "kwargs": ["a": "b"], "queue": "q", "priority": 9])
        #expect(ok.status == .accepted)
        #expect(ok.json["status"] == "submitted")
        let again = try await api.send(
            .post, "/api/v1/tasks", headers: [.idempotencyKey: "k-1"], json: ["name": "importer.testing.noop"])
        #expect(again.json["task_id"] == ok.json["task_id"])

        let cases: [(JSONValue?, String?, HTTPResponse.Status, String)] = [
            (["name": "no.such.task"], nil, .unprocessableContent, "unknown_task"),
            (["args": []], nil, .unprocessableContent, "invalid_value"),
            (["name": "importer.testing.noop", "priority": 10], nil, .unprocessableContent, "invalid_value"),
            (["name": "importer.testing.noop", "args": "x"], nil, .unprocessableContent, "invalid_value"),
            (["name": "importer.testing.noop", "countdown": 1, "eta": "2030-01-01T00:00:00Z"], nil, .unprocessableContent, "invalid_value"),
            (["name": "importer.testing.noop", "eta": "tomorrow"], nil, .unprocessableContent, "invalid_value"),
            (["name": "importer.testing.noop", "bogus": 1], nil, .unprocessableContent, "invalid_value"),
            (["name": "importer.testing.noop", "args": [.string(String(repeating: "x", count: 3000))]], nil, .contentTooLarge, "payload_too_large"),
            (nil, "{not json", .badRequest, "malformed_request"),
            (nil, "[1, 2]", .unprocessableContent, "invalid_value"),
        ]
        for (json, raw, status, code) in cases {
            let reply = try await api.send(
                .post, "/api/v1/tasks", headers: raw == nil ? [:] : [.contentType: "application/json"], body: raw, json: json)
            #expect(reply.status == status, "\(json ?? .null) \(raw ?? "")")
            #expect(reply.json["error"]?["code"] == .string(code), "\(reply.text)")
        }
        let unknown = try await api.send(.post, "/api/v1/tasks", json: ["name": "no.such.task"])
        #expect(unknown.json["error"]?["message"]?.stringValue?.contains("no.such.task") == true)
        let wrongType = try await api.send(
            .post, "/api/v1/tasks", headers: [.contentType: "text/plain"], body: #"{"name": "importer.testing.noop"}"#)
        #expect(wrongType.status == .unsupportedMediaType)
        let huge = try await api.send(
            .post, "/api/v1/tasks", body: "{\"name\": \"" + String(repeating: "x", count: (1 << 20) + 10) + "\"}")
        #expect(huge.status == .contentTooLarge)
    }

    @Test func aTotalCountedOnlyToTheLimitSaysSo() {
        let total = JobTotal(10_003, isExact: false)
        let full = TaskJSON.list(Array(repeating: [:], count: 20), total: total, limit: 20, offset: 10_000)
        #expect(full["total"] == 10_003)
        #expect(full["total_exact"] == false)
        #expect(full["has_more"] == true, "a full page past a lower bound may have more")
        let last = TaskJSON.list(Array(repeating: [:], count: 5), total: total, limit: 20, offset: 10_000)
        #expect(last["has_more"] == false)
        #expect(TaskJSON.list([], total: JobTotal(1), limit: 20, offset: 0)["total_exact"] == true)
    }

    @Test(arguments: APIHarness.Backend.allCases)
    func searchTimeFiltersAndCountsPerState(backend: APIHarness.Backend) async throws {
        let api = try APIHarness(backend)
        let before = ISO8601.string(Date().addingTimeInterval(-1))
        let first = try #require(
            try await api.send(.post, "/api/v1/tasks", json: ["name": "importer.testing.noop", "kwargs": ["note": "Lamp_42"]])
                .json["task_id"]?.stringValue)
        _ = try await api.send(.post, "/api/v1/tasks", json: ["name": "importer.testing.sleep", "args": [0]])
        // q: a substring of the kwargs (case folded, `_` literal), or an id prefix
        let found = try await api.send(.get, "/api/v1/tasks?q=lamp_4")
        #expect(found.json["total"] == 1)
        #expect(found.json["items"]?.arrayValue?.first?["task_id"] == .string(first))
        #expect(try await api.send(.get, "/api/v1/tasks?q=\(first.prefix(20))").json["total"] == 1)
        #expect(try await api.send(.get, "/api/v1/tasks?q=").json["total"] == 2)
        // The total from a short page's end, or counted: a full page, or a page past the end
        for (query, more) in [("limit=1", true), ("offset=1&limit=5", false), ("offset=5", false), ("limit=2", false)] {
            let page = try await api.send(.get, "/api/v1/tasks?\(query)").json
            #expect(page["total"] == 2, "\(query)")
            #expect(page["has_more"] == .bool(more), "\(query)")
        }
        // since/until: ISO 8601 or Unix seconds, [since, until)
        #expect(try await api.send(.get, "/api/v1/tasks?since=\(before)").json["total"] == 2)
        #expect(try await api.send(.get, "/api/v1/tasks?until=\(before)").json["total"] == 0)
        #expect(try await api.send(.get, "/api/v1/tasks?since=\(Int(Date().timeIntervalSince1970) + 60)").json["total"] == 0)
        let bad = try await api.send(.get, "/api/v1/tasks?since=yesterday")
        #expect(bad.status == .unprocessableContent)
        #expect(bad.json["error"]?["message"] == "'since' must be an ISO 8601 time (2026-12-03T10:00:00Z) or Unix seconds")
        #expect(try await api.send(.get, "/api/v1/tasks?worker=nobody@h:1").json["total"] == 0)
        // Counts: every state, with the same filters
        let counts = try await api.send(.get, "/api/v1/tasks/counts")
        #expect(counts.status == .ok)
        #expect(counts.json["total"] == 2)
        #expect(counts.json["counts"]?["PENDING"] == 2)
        #expect(counts.json["counts"]?["SUCCESS"] == 0)
        #expect(counts.json["counts"]?.objectValue?.count == TaskState.allCases.count)
        #expect(counts.json["at_least"] == [])
        #expect(found.json["total_exact"] == true)
        #expect(try await api.send(.get, "/api/v1/tasks/counts?name=importer.testing.sleep").json["total"] == 1)
        #expect(try await api.send(.get, "/api/v1/tasks/counts?until=nope").status == .unprocessableContent)
    }

    @Test(arguments: APIHarness.Backend.allCases)
    func bulkActionsByIdsAndByFilter(backend: APIHarness.Backend) async throws {
        let api = try APIHarness(backend)
        var ids: [String] = []
        for index in 0..<12 {
            let name = index < 8 ? "importer.testing.sleep" : "importer.testing.noop"
            ids.append(try #require(try await api.send(.post, "/api/v1/tasks", json: ["name": .string(name), "args": [0]]).json["task_id"]?.stringValue))
        }
        // Revoke all matching a filter: the 8 sleeps (waiting: revoked at once)
        let revoked = try await api.send(.post, "/api/v1/tasks/bulk", json: ["action": "revoke", "filter": ["name": "importer.testing.sleep"]])
        #expect(revoked.status == .ok)
        #expect(revoked.json == ["action": "revoke", "matched": 8, "done": 8, "skipped": 0])
        #expect(try await api.send(.get, "/api/v1/tasks/counts").json["counts"]?["REVOKED"] == 8)
        // Again: all 8 are finished now, so they are skipped
        #expect(try await api.send(.post, "/api/v1/tasks/bulk", json: ["action": "revoke", "filter": ["state": "REVOKED"]]).json["skipped"] == 8)
        // Retry by ids: revoked ones get a new task each; a waiting one is skipped
        let retried = try await api.send(
            .post, "/api/v1/tasks/bulk", json: ["action": "retry", "ids": [.string(ids[0]), .string(ids[1]), .string(ids[11])]])
        #expect(retried.json == ["action": "retry", "matched": 3, "done": 2, "skipped": 1])
        #expect(try await api.send(.get, "/api/v1/tasks?name=importer.testing.sleep&state=PENDING").json["total"] == 2)
        // Delete finished ones by filter; the waiting ones stay
        let deleted = try await api.send(.post, "/api/v1/tasks/bulk", json: ["action": "delete", "filter": ["name": "importer.testing.sleep"]])
        #expect(deleted.json == ["action": "delete", "matched": 10, "done": 8, "skipped": 2])
        #expect(try await api.send(.get, "/api/v1/tasks/\(ids[0])").status == .notFound)
        #expect(try await api.send(.get, "/api/v1/tasks/counts").json["total"] == 6)
        // Refused: a clear 422 and nothing done
        for body: JSONValue in [
            ["action": "explode", "ids": [.string(ids[8])]], ["action": "revoke"],
            ["action": "revoke", "ids": [.string(ids[8])], "filter": [:]], ["action": "revoke", "ids": []],
            ["action": "revoke", "ids": ["not-a-uuid"]], ["action": "revoke", "filter": ["colour": "red"]],
            ["action": "revoke", "filter": ["since": "soon"]], ["action": "revoke", "filter": ["state": "DONE"]],
            ["action": "revoke", "extra": 1, "ids": [.string(ids[8])]],
        ] {
            let reply = try await api.send(.post, "/api/v1/tasks/bulk", json: body)
            #expect(reply.status == .unprocessableContent, "\(body)")
            #expect(reply.json["error"]?["message"] != nil)
        }
        #expect(try await api.send(.get, "/api/v1/tasks/counts").json["counts"]?["PENDING"] == 6)
    }

    @Test(arguments: APIHarness.Backend.allCases)
    func bulkRevokeOfAllMatchingGoesInBatches(backend: APIHarness.Backend) async throws {
        // More tasks than one batch (500): every one is reached, none twice.
        let api = try APIHarness(backend)
        for _ in 0..<1_203 { _ = try await api.context.store.enqueue(NewJob(name: "importer.testing.noop")) }
        let reply = try await api.send(.post, "/api/v1/tasks/bulk", json: ["action": "revoke", "filter": ["state": "PENDING"]])
        #expect(reply.json == ["action": "revoke", "matched": 1203, "done": 1203, "skipped": 0])
        #expect(try await api.send(.get, "/api/v1/tasks/counts").json["counts"]?["REVOKED"] == 1203)
    }

    @Test(arguments: APIHarness.Backend.allCases)
    func listFilterPageAndDetail(backend: APIHarness.Backend) async throws {
        let api = try APIHarness(backend)
        var ids: [String] = []
        for index in 0..<5 {
            let name = index % 2 == 0 ? "importer.testing.noop" : "importer.testing.sleep"
            let reply = try await api.send(.post, "/api/v1/tasks", json: ["name": .string(name), "args": [0]])
            ids.append(try #require(reply.json["task_id"]?.stringValue))
        }
        let page = try await api.send(.get, "/api/v1/tasks?limit=2&offset=1")
        #expect(page.json["total"] == 5)
        #expect(page.json["limit"] == 2)
        #expect(page.json["offset"] == 1)
        #expect(page.json["has_more"] == true)
        #expect(page.json["items"]?.arrayValue?.map { $0["task_id"] } == [.string(ids[3]), .string(ids[2])])
        let sleeps = try await api.send(.get, "/api/v1/tasks?name=importer.testing.sleep&state=PENDING")
        #expect(sleeps.json["total"] == 2)
        #expect(try await api.send(.get, "/api/v1/tasks?queue=nope").json["total"] == 0)
        #expect(try await api.send(.get, "/api/v1/tasks?state=DONE").status == .unprocessableContent)
        #expect(try await api.send(.get, "/api/v1/tasks?limit=0").status == .unprocessableContent)
        #expect(try await api.send(.get, "/api/v1/tasks?limit=1001").status == .unprocessableContent)
        #expect(try await api.send(.get, "/api/v1/tasks?offset=-1").status == .unprocessableContent)

        let detail = try await api.send(.get, "/api/v1/tasks/\(ids[1])")
        #expect(detail.json["args"] == [0])
        #expect(detail.json["kwargs"] == [:])
        #expect(detail.json["attempts"] == [])
        #expect(detail.json["state"] == "PENDING")
        #expect(try await api.send(.get, "/api/v1/tasks/\(JobID.make())").status == .notFound)
    }

    @Test func detailShowsEveryAttemptWithItsError() async throws {
        let api = try APIHarness {
            $0.worker.defaultRetry.delay = 0
            $0.worker.defaultRetry.jitter = false
        }
        try await api.withWorker {
            let id = try #require(
                try await api.send(.post, "/api/v1/tasks", json: ["name": "importer.testing.fail", "args": [2]]).json["task_id"]?.stringValue)
            #expect(try await eventually { try await api.send(.get, "/api/v1/tasks/\(id)").json["state"] == "SUCCESS" })
            let detail = try await api.send(.get, "/api/v1/tasks/\(id)")
            #expect(detail.json["attempts"]?.arrayValue?.map { $0["outcome"] } == ["RETRY", "RETRY", "SUCCESS"])
            #expect(detail.json["attempts"]?.arrayValue?.first?["error"]?["type"] == "RetryableError")
            #expect(detail.json["deliveries"] == 3)
            #expect(detail.json["worker"]?.stringValue?.hasPrefix("importer@") == true)
        }
    }

    @Test(arguments: APIHarness.Backend.allCases)
    func revokeRoute(backend: APIHarness.Backend) async throws {
        let api = try APIHarness(backend)
        let id = try #require(
            try await api.send(.post, "/api/v1/tasks", json: ["name": "importer.testing.noop"]).json["task_id"]?.stringValue)
        let first = try await api.send(.post, "/api/v1/tasks/\(id)/revoke")
        #expect(first.json == ["task_id": .string(id), "state": "REVOKED", "status": "revoked"])
        #expect(try await api.send(.post, "/api/v1/tasks/\(id)/revoke").json["status"] == "noop")
        #expect(try await api.send(.post, "/api/v1/tasks/\(JobID.make())/revoke").status == .notFound)
    }

    @Test(arguments: APIHarness.Backend.allCases)
    func queuesCountsAndPurge(backend: APIHarness.Backend) async throws {
        let api = try APIHarness(backend)
        for _ in 0..<3 { _ = try await api.send(.post, "/api/v1/tasks", json: ["name": "importer.testing.noop", "queue": "a"]) }
        _ = try await api.send(.post, "/api/v1/tasks", json: ["name": "importer.testing.noop", "queue": "a", "countdown": 60])
        _ = try await api.send(.post, "/api/v1/tasks", json: ["name": "importer.testing.noop", "queue": "b"])
        let queues = try await api.send(.get, "/api/v1/queues")
        let a = try #require(queues.json["items"]?.arrayValue?.first { $0["name"] == "a" })
        #expect(a["waiting"] == 3)
        #expect(a["delayed"] == 1)
        #expect(a["running"] == 0)
        #expect(a["oldest_waiting_age"]?.doubleValue != nil)
        #expect(queues.json["total"] == 2)
        let purged = try await api.send(.post, "/api/v1/queues/a/purge")
        #expect(purged.json == ["queue": "a", "purged": 4])
        let after = try await api.send(.get, "/api/v1/queues")
        #expect(after.json["items"]?.arrayValue?.map { $0["name"] } == ["b"])
    }

    @Test(arguments: APIHarness.Backend.allCases)
    func metricsInPrometheusText(backend: APIHarness.Backend) async throws {
        let api = try APIHarness(backend)
        _ = try await api.send(.post, "/api/v1/tasks", json: ["name": "importer.testing.noop", "queue": "m"])
        let reply = try await api.send(.get, "/metrics")
        #expect(reply.status == .ok)
        #expect(reply.headers[.contentType]?.hasPrefix("text/plain") == true)
        #expect(reply.text.contains(#"importer_jobs{queue="m",state="PENDING"} 1"#))
        #expect(reply.text.contains("importer_http_requests_total"))
    }

    @Test(arguments: APIHarness.Backend.allCases)
    func unknownPathsAndWrongMethods(backend: APIHarness.Backend) async throws {
        let api = try APIHarness(backend)
        let missing = try await api.send(.get, "/api/v1/nothing")
        #expect(missing.status == .notFound)
        #expect(missing.json["error"]?["code"] == "not_found")
        let wrong = try await api.send(.put, "/api/v1/tasks")
        #expect(wrong.status == .methodNotAllowed)
        #expect(wrong.headers[.allow] == "POST, GET")
        #expect(try await api.send(.post, "/healthz").headers[.allow] == "GET")
        #expect(try await api.send(.get, "/api/v1/celery/test").status == .methodNotAllowed)
        // The most specific pattern wins (found by schemathesis): `upload` is not a product id.
        let upload = try await api.send(.options, "/api/v1/products/upload")
        #expect(upload.status == .methodNotAllowed)
        #expect(upload.headers[.allow] == "POST")
        #expect(try await api.send(.get, "/api/v1/products/\(JobID.make())").status == .notFound)
        // A multipart `file` field with no bytes is an empty upload, not a missing field.
        let empty = try await api.send(
            .post, "/api/v1/products/upload", headers: [.contentType: "multipart/form-data; boundary=B0"],
            body: "--B0\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n\r\n--B0--\r\n")
        #expect(empty.status == .badRequest)
        #expect(empty.json["error"]?["message"] == "the upload is empty")
    }

    @Test func requestsAreLoggedWithoutTheAuthorizationHeader() async throws {
        let api = try APIHarness { $0.http.authToken = "secret-token-0123456789" }
        _ = try await api.send(.post, "/api/v1/celery/test", headers: [.authorization: "Bearer secret-token-0123456789"])
        let line = try #require(api.logs.all.last { $0.hasPrefix("request ") })
        #expect(line.contains("http.method=POST"))
        #expect(line.contains("http.path=/api/v1/celery/test"))
        #expect(line.contains("http.status=200"))
        #expect(line.contains("http.duration_ms="))
        #expect(!api.logs.all.joined().contains("secret-token"))
    }
}

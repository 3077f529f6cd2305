import Foundation
import Testing

@testable import Server
@testable import TaskQueue

/// `GET /api/v1/schedules` and run/enable/disable (DESIGN.md §4).
@Suite struct ScheduleRoutesTests {
    static func harness() throws -> APIHarness {
        try APIHarness { config in
            config.schedules = [
                ScheduleConfig(
                    name: "nightly", task: "app.tasks.product_tasks.test_task",
                    spec: .cron(try! CronExpression("30 2 * * *"), TimeZone(identifier: "Europe/Berlin")!))
            ]
        }
    }

    @Test func listRunEnableDisable() async throws {
        let api = try Self.harness()
        try await api.context.store.syncSchedules(api.context.schedules)
        let list = try await api.send(.get, "/api/v1/schedules")
        #expect(list.status == .ok)
        #expect(list.json["total"] == 3)
        let items = try #require(list.json["items"]?.arrayValue)
        #expect(items.compactMap { $0["name"]?.stringValue } == ["cleanup_old_imports", "nightly", "result_expiry"])
        let nightly = try #require(items.first { $0["name"] == "nightly" })
        #expect(nightly["spec"] == "30 2 * * *")
        #expect(nightly["timezone"] == "Europe/Berlin")
        #expect(nightly["enabled"] == true)
        #expect(nightly["next_run"]?.stringValue.flatMap(ISO8601.date) != nil)
        #expect(nightly["last_run"] == .null)
        #expect(items.first { $0["name"] == "result_expiry" }?["spec"] == "every 300s")

        // Run now: a job of the schedule's task, linked as its last run.
        let run = try await api.send(.post, "/api/v1/schedules/nightly/run")
        #expect(run.status == .accepted)
        let taskID = try #require(run.json["task_id"]?.stringValue)
        let job = try await api.send(.get, "/api/v1/tasks/\(taskID)")
        #expect(job.json["name"] == "app.tasks.product_tasks.test_task")
        let after = try await api.send(.get, "/api/v1/schedules")
        #expect(after.json["items"]?.arrayValue?.first { $0["name"] == "nightly" }?["last_task_id"] == .string(taskID))

        // Disable and enable are persisted.
        let disabled = try await api.send(.post, "/api/v1/schedules/nightly/disable")
        #expect(disabled.status == .ok)
        #expect(disabled.json["enabled"] == false)
        #expect(disabled.json["next_run"] == .null)
        #expect(try await api.context.store.schedules().first { $0.name == "nightly" }?.enabled == false)
        let enabled = try await api.send(.post, "/api/v1/schedules/nightly/enable")
        #expect(enabled.json["enabled"] == true)

        for path in ["/api/v1/schedules/nope/run", "/api/v1/schedules/nope/enable", "/api/v1/schedules/nope/disable"] {
            let missing = try await api.send(.post, path)
            #expect(missing.status == .notFound)
            #expect(missing.json["error"]?["message"] == "no schedule named 'nope'")
        }
    }

    @Test func theExpirySweepRemovesOnlyWhatIsDueAndAnExpiredIDAnswers404() async throws {
        let clock = ManualClock(Date())
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("exp-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        var policy = StorePolicy()
        policy.resultExpires = 60
        policy.failureRetention = 600
        let store = try SQLiteQueueStore(
            path: directory.appendingPathComponent("queue.sqlite").path, policy: policy, clock: clock)
        func finish(_ outcome: String) async throws -> String {
            let id = try await store.enqueue(NewJob(name: "t")).id
            let job = try #require(try store.claim(queues: ["default"], worker: "w"))
            if outcome == "success" {
                try store.succeed(job.lease, result: 1)
            } else {
                try store.fail(job.lease, error: TaskErrorInfo(type: "E", message: "no"))
            }
            return id
        }
        let oldSuccess = try await finish("success")
        let oldFailure = try await finish("failure")
        clock.advance(by: 61)
        let newSuccess = try await finish("success")
        let waiting = try await store.enqueue(NewJob(name: "t")).id
        // The sweep's task, run as a worker would run it.
        var registry = TaskRegistry()
        ResultExpiryTask.register(into: &registry, store: store, chunk: 1)
        let client = QueueClient(store: store, registry: registry, clock: clock)
        let sweep = try await client.submit(TaskSubmission(name: ResultExpiryTask.name)).id
        let worker = Worker(
            configuration: WorkerConfiguration(name: "w@test", pools: [WorkerInfo.Pool(queues: ["default"], concurrency: 1)]),
            client: client, logger: .init(label: "test"))
        let running = Task { try await worker.run() }
        defer { worker.beginWarmShutdown() }
        try await eventuallyAsync {
            if case .found(let record) = try await store.job(id: sweep) { return record.state == .success }
            return false
        }
        guard case .found(let record) = try await store.job(id: sweep) else { throw QueueError.invalidJob("sweep") }
        // One expired result was deleted (the old success); the failure is kept as a dead letter.
        #expect(record.result == ["deleted": 1])
        let remaining = try await store.pool.read { db in try String.fetchAll(db, sql: "SELECT id FROM jobs") }
        #expect(!remaining.contains(oldSuccess))
        #expect(Set([oldFailure, newSuccess, waiting, sweep]).isSubset(of: Set(remaining)))
        worker.beginWarmShutdown()
        try await running.value

    }

    @Test func anExpiredAndSweptResultAnswers404SayingItExpiredOrNeverExisted() async throws {
        let api = try APIHarness { $0.queue.resultExpires = 1 }
        let submitted = try await api.send(.post, "/api/v1/celery/test")
        let id = try #require(submitted.json["task_id"]?.stringValue)
        try await api.withWorker {
            try await eventuallyAsync { try await api.send(.get, "/api/v1/celery/task/\(id)").json["status"] == "SUCCESS" }
        }
        try await Task.sleep(nanoseconds: 1_200_000_000)
        #expect(try await api.context.store.deleteExpired(limit: 10) >= 1)
        let missing = try await api.send(.get, "/api/v1/celery/task/\(id)")
        #expect(missing.status == .notFound)
        #expect(missing.json["error"]?["message"]?.stringValue?.contains("never existed or its result expired") == true)
    }
}

/// Polls `condition` until it holds (5 s at most).
func eventuallyAsync(_ condition: () async throws -> Bool) async throws {
    let deadline = Date().addingTimeInterval(5)
    while Date() < deadline {
        if try await condition() { return }
        try await Task.sleep(nanoseconds: 20_000_000)
    }
    Issue.record("condition not met within 5 s")
}

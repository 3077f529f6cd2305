import Foundation
import Logging
import Testing

@testable import Server
@testable import TaskQueue

@Suite struct InspectorTests {
    @Test func viewsReadLiveWorkersAndJobs() async throws {
        // Given one live worker running a job, one stale worker, and a delayed job
        let clock = ManualClock()
        let store = MemoryQueueStore(clock: clock)
        var registry = TaskRegistry()
        TestTasks.register(into: &registry)
        let now = clock.now()
        try await store.heartbeat(
            WorkerInfo(
                name: "importer@a:1", pid: 1, host: "a", startedAt: now.addingTimeInterval(-60), lastSeen: now,
                pools: [.init(queues: ["default"], concurrency: 2)], registered: registry.names, processed: ["x": 3]))
        try await store.heartbeat(
            WorkerInfo(
                name: "importer@b:2", pid: 2, host: "b", startedAt: now, lastSeen: now.addingTimeInterval(-60), pools: [],
                registered: []))
        let running = try await store.enqueue(NewJob(name: TestTasks.sleep, args: [5])).id
        _ = try store.claim(queues: ["default"], worker: "importer@a:1")
        let delayed = try await store.enqueue(NewJob(name: TestTasks.noop, runAt: now.addingTimeInterval(30))).id
        let inspector = Inspector(store: store, registry: registry, broker: ["transport": "sqlite", "path": "/d/queue.sqlite"], clock: clock)

        // Then each view shows what Celery's would
        let active = try await inspector.view(.active)
        let entry = try #require(active["importer@a:1"]?.arrayValue?.first)
        #expect(entry["id"] == .string(running))
        #expect(entry["worker_pid"] == 1)
        #expect(entry["time_start"] == .double(now.timeIntervalSince1970))
        #expect(active["importer@b:2"] == nil)
        #expect(try await inspector.view(.reserved) == ["importer@a:1": []])
        #expect(try await inspector.view(.scheduled).arrayValue?.map { $0["id"] } == [.string(delayed)])
        #expect(try await inspector.view(.registered)["importer@a:1"]?.arrayValue?.count == registry.names.count)
        let stats = try #require(try await inspector.view(.stats)["importer@a:1"])
        #expect(stats["uptime"] == 60)
        #expect(stats["prefetch_count"] == 1)
        #expect(stats["total"] == ["x": 3])
        #expect(stats["pools"] == [["queues": ["default"], "concurrency": 2]])
        #expect(stats["broker"] == ["transport": "sqlite", "path": "/d/queue.sqlite"])
        // The queues the worker serves: counts, paused, oldest waiting age.
        try await store.setPaused(queue: "default", paused: true)
        let queues = try #require(try await inspector.view(.stats)["importer@a:1"]?["queues"]?["default"])
        #expect(queues["running"] == 1)
        #expect(queues["delayed"] == 1)
        #expect(queues["waiting"] == 0)
        #expect(queues["paused"] == true)
        #expect(queues["oldest_waiting_age"] == .null)
        #expect(try await inspector.view(.ping)["importer@a:1"]?["ok"] == "pong")
    }

    @Test func registeredFallsBackToThisConfigurationWithNoLiveWorker() async throws {
        var registry = TaskRegistry()
        TestTasks.register(into: &registry)
        let inspector = Inspector(store: MemoryQueueStore(), registry: registry, broker: ["transport": "sqlite", "path": "x"])
        #expect(try await inspector.view(.registered)["local"]?.arrayValue?.count == 4)
        #expect(try await inspector.view(.ping) == [:])
    }

    @Test func testTasksAreRegisteredOnlyWhenEnabled() throws {
        var config = AppConfig()
        config.dataDir = FileManager.default.temporaryDirectory.appendingPathComponent("reg-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: config.dataDir) }
        let context = try Appliance.build(config: config, roles: .command, logger: Logger(label: "test")).context
        #expect(
            AppContext.registry(config, catalog: context.catalog, store: context.store).names == [
                "app.tasks.product_tasks.bulk_delete_products", "app.tasks.product_tasks.cleanup_old_imports", "app.tasks.product_tasks.process_csv_import",
                "app.tasks.product_tasks.test_task", "app.tasks.webhook_tasks.deliver_webhook",
                ResultExpiryTask.name,
            ])
        config.enableTestTasks = true
        #expect(AppContext.registry(config, catalog: context.catalog, store: context.store).names.contains(TestTasks.spin))
    }
}

import Foundation
import Logging
import TestSupport
import Testing

@testable import TaskQueue

/// Issue 8 on the store contract (both backends) and on a worker: paused queues, dead letters
/// retried by hand, ETA order and wake-up, rate limits.
@Suite struct RoutingTests {
    @Test(arguments: Backend.allCases)
    func aPausedQueueIsNotClaimedFromAndResumeReleasesIt(backend: Backend) async throws {
        let fixture = try StoreFixture(backend)
        let running = try await fixture.enqueue(queue: "a")
        let job = try #require(try fixture.store.claim(queues: ["a"], worker: "w"))
        let waiting = try await fixture.enqueue(queue: "a")
        try await fixture.store.setPaused(queue: "a", paused: true)
        #expect(try fixture.store.claim(queues: ["a", "b"], worker: "w") == nil)
        #expect(try await fixture.record(waiting).state == .pending)
        #expect(try await fixture.store.queueStats().first { $0.name == "a" }?.paused == true)
        #expect(try await fixture.store.pausedQueues() == ["a"])
        // A job already running finishes.
        try fixture.store.succeed(job.lease, result: 1)
        #expect(try await fixture.record(running).state == .success)
        // Other queues are unaffected; resume releases the waiting job.
        let other = try await fixture.enqueue(queue: "b")
        #expect(try fixture.store.claim(queues: ["a", "b"], worker: "w")?.id == other)
        try await fixture.store.setPaused(queue: "a", paused: false)
        #expect(try fixture.store.claim(queues: ["a"], worker: "w")?.id == waiting)
        #expect(try await fixture.store.queueStats().first { $0.name == "a" }?.paused == false)
    }

    @Test func aPauseSurvivesReopeningTheDatabase() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pause-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("queue.sqlite").path
        do {
            let store = try SQLiteQueueStore(path: path)
            _ = try await store.enqueue(NewJob(name: "t"))
            try await store.setPaused(queue: "default", paused: true)
        }
        let reopened = try SQLiteQueueStore(path: path)
        #expect(try reopened.claim(queues: ["default"], worker: "w") == nil)
        try await reopened.setPaused(queue: "default", paused: false)
        #expect(try reopened.claim(queues: ["default"], worker: "w") != nil)
    }

    @Test(arguments: Backend.allCases)
    func retryingADeadLetterCreatesATaskLinkedBothWays(backend: Backend) async throws {
        let fixture = try StoreFixture(backend)
        let id = try await fixture.store.enqueue(NewJob(name: "t", args: [1], kwargs: ["k": "v"], queue: "q", priority: 8)).id
        let job = try #require(try fixture.store.claim(queues: ["q"], worker: "w"))
        try fixture.store.fail(job.lease, error: TaskErrorInfo(type: "Boom", message: "no"))
        guard case .created(let newID) = try await fixture.store.retry(id: id) else {
            Issue.record("expected a new task")
            return
        }
        let copy = try await fixture.record(newID)
        #expect(copy.state == .pending)
        #expect((copy.name, copy.args, copy.kwargs, copy.queue, copy.priority) == ("t", [1], ["k": "v"], "q", 8))
        #expect(copy.retryOf == id)
        #expect(try await fixture.record(id).retriedAs == newID)
        #expect(try await fixture.store.retry(id: id) == .alreadyRetried(newID))
        #expect(try await fixture.store.retry(id: newID) == .notFinished(.pending))
        #expect(try await fixture.store.retry(id: JobID.make()) == .notFound)
        // A revoked task can be retried too.
        let revoked = try await fixture.enqueue()
        _ = try await fixture.store.revoke(id: revoked)
        guard case .created = try await fixture.store.retry(id: revoked) else {
            Issue.record("a revoked task can be retried")
            return
        }
    }

    @Test(arguments: Backend.allCases)
    func excludedNamesWaitAndETAJobsComeInTheirTimeOrder(backend: Backend) async throws {
        let fixture = try StoreFixture(backend)
        let limited = try await fixture.enqueue("limited")
        let free = try await fixture.enqueue("free")
        #expect(try fixture.store.claim(queues: ["default"], excluding: ["limited"], worker: "w")?.id == free)
        #expect(try fixture.store.claim(queues: ["default"], excluding: ["limited"], worker: "w") == nil)
        #expect(try fixture.store.claim(queues: ["default"], worker: "w")?.id == limited)
        let now = fixture.clock.now()
        let later = try await fixture.enqueue(runAt: now.addingTimeInterval(20))
        let sooner = try await fixture.enqueue(runAt: now.addingTimeInterval(10))
        #expect(try fixture.store.nextDelayedRun(queues: ["default"], after: now) == now.addingTimeInterval(10))
        fixture.clock.advance(by: 30)
        #expect(try fixture.store.claim(queues: ["default"], worker: "w")?.id == sooner)
        #expect(try fixture.store.claim(queues: ["default"], worker: "w")?.id == later)
    }

    // MARK: A worker, real time

    static func worker(_ store: any QueueStore, rateLimits: [String: RateLimit] = [:]) -> (QueueClient, Worker) {
        var registry = TaskRegistry()
        TestTasks.register(into: &registry)
        let client = QueueClient(store: store, registry: registry)
        var configuration = WorkerConfiguration(name: "test@host:1", pools: [.init(queues: ["default"], concurrency: 2)])
        configuration.rateLimits = rateLimits
        return (client, Worker(configuration: configuration, client: client, logger: Logger(label: "test")))
    }

    @Test func aLimitOf20PerSecondSpreads100JobsOver4_95Seconds() async throws {
        let store = MemoryQueueStore()
        let (client, worker) = Self.worker(store, rateLimits: [TestTasks.noop: try RateLimit("20/s")])
        var ids: [String] = []
        for _ in 0..<100 { ids.append(try await client.submit(TaskSubmission(name: TestTasks.noop)).id) }
        let running = Task { try await worker.run() }
        #expect(try await eventually(timeout: 15) { try await store.countJobs(JobFilter(state: .success)) == 100 })
        worker.beginWarmShutdown()
        try await running.value
        var starts: [Date] = []
        for id in ids {
            guard case .found(let record) = try await store.job(id: id), let started = record.startedAt else { continue }
            starts.append(started)
        }
        let span = try #require(starts.max()).timeIntervalSince(try #require(starts.min()))
        #expect(starts.count == 100)
        #expect(abs(span - 4.95) <= 0.495, "100 starts at 20/s took \(span) s")
    }

    static func record(_ store: any QueueStore, _ id: String) async throws -> JobRecord? {
        guard case .found(let record) = try await store.job(id: id) else { return nil }
        return record
    }

    @Test func anETAJobStartsWithin50MillisecondsOfItsTime() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("eta-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SQLiteQueueStore(path: directory.appendingPathComponent("queue.sqlite").path)
        let (client, worker) = Self.worker(store)
        let running = Task { try await worker.run() }
        defer { worker.beginWarmShutdown() }
        try await Task.sleep(nanoseconds: 200_000_000)
        var lateness: [Double] = []
        for countdown in [0.33, 0.21, 0.47] {
            let id = try await client.submit(TaskSubmission(name: TestTasks.noop, countdown: countdown)).id
            #expect(try await eventually(timeout: 5) { try await Self.record(store, id)?.state == .success })
            let record = try #require(try await Self.record(store, id))
            lateness.append(try #require(record.startedAt).timeIntervalSince(record.runAt))
        }
        #expect(lateness.allSatisfy { $0 >= 0 && $0 <= 0.05 }, "started late by \(lateness) s")
        worker.beginWarmShutdown()
        try await running.value
    }
}

import Foundation
import Logging
import Synchronization
import TestSupport
import Testing

@testable import TaskQueue

/// The worker against each durable backend's store (SQLite, and PostgreSQL when the tests have a
/// server) with a manual clock: retries, cancellation and shutdown. Serialized: their time bounds
/// (a revoke seen within a second) hold on 2 cores only without a dozen siblings spinning.
@Suite(.serialized) struct WorkerTests {
    struct Harness {
        let fixture: StoreFixture
        var clock: ManualClock { fixture.clock }
        var store: any QueueStore { fixture.store }
        let client: QueueClient
        let worker: Worker

        init(
            _ backend: Backend, visibilityTimeout: TimeInterval = 30, grace: TimeInterval = 5, retry: RetryOptions = RetryOptions(),
            concurrency: Int = 2, maxRunaways: Int = 4, pollInterval: TimeInterval = 0.05, extra: [TaskDefinition] = []
        ) throws {
            var policy = StorePolicy()
            policy.visibilityTimeout = visibilityTimeout
            fixture = try StoreFixture(backend, policy: policy)
            let (store, clock) = (fixture.store, fixture.clock)
            var registry = TaskRegistry()
            TestTasks.register(into: &registry)
            for task in extra { registry.register(task) }
            client = QueueClient(store: store, registry: registry, clock: clock)
            var configuration = WorkerConfiguration(name: "test@host:1", pools: [.init(queues: ["default"], concurrency: concurrency)])
            configuration.shutdownGrace = grace
            configuration.maxRunawayTasks = maxRunaways
            configuration.defaultRetry = retry
            configuration.pollInterval = pollInterval
            worker = Worker(configuration: configuration, client: client, logger: Logger(label: "test"))
        }

        func state(_ id: String) async throws -> JobRecord? {
            guard case .found(let record) = try await store.job(id: id) else { return nil }
            return record
        }

        /// Runs the worker while `body` runs, then shuts it down warm and waits for it.
        func running(_ body: () async throws -> Void) async throws {
            let task = Task { try await worker.run() }
            try await body()
            worker.beginWarmShutdown()
            try await task.value
        }
    }

    @Test(arguments: Backend.durable)
    func failTwiceThenSucceedOnTheThirdRun(backend: Backend) async throws {
        let harness = try Harness(backend, retry: RetryOptions(maxRetries: 3, delay: 0, jitter: false))
        try await harness.running {
            let id = try await harness.client.submit(TaskSubmission(name: TestTasks.fail, args: [2])).id
            #expect(try await eventually { try await harness.state(id)?.state == .success })
            let record = try #require(try await harness.state(id))
            #expect(record.retries == 2)
            #expect(record.result == ["runs": 3])
            #expect(record.attempts.map(\.outcome) == [.retry, .retry, .success])
        }
    }

    /// A slot whose ack found no next job waits for a ring rather than asking again at once: on
    /// PostgreSQL each ask is a round trip, and the one after every last job was wasted.
    @Test func aSlotDoesNotClaimAgainRightAfterItsAckFoundNothing() async throws {
        let harness = try Harness(.memory, concurrency: 1, pollInterval: 30)
        let store = try #require(harness.store as? MemoryQueueStore)
        let first = try await harness.client.submit(TaskSubmission(name: TestTasks.noop)).id
        try await harness.running {
            #expect(try await eventually { try await harness.state(first)?.state == .success })
            try await Task.sleep(for: .milliseconds(300))
            // The claim that found the first job; its ack looked for the next one.
            #expect(store.claimCalls == 1)
            // A job enqueued now still wakes the slot at once.
            let second = try await harness.client.submit(TaskSubmission(name: TestTasks.noop)).id
            #expect(try await eventually(timeout: 5) { try await harness.state(second)?.state == .success })
            #expect(store.claimCalls == 2)
        }
    }

    /// The same when another slot took the job rung for while this slot's job ran: that ring
    /// came before this slot's ack, so it does not send the slot to claim again.
    @Test func aRingBeforeTheAckDoesNotWakeTheSlotAfterIt() async throws {
        let harness = try Harness(.memory, concurrency: 2, pollInterval: 30)
        let store = try #require(harness.store as? MemoryQueueStore)
        try await harness.running {
            // Both slots find nothing at start.
            #expect(try await eventually { store.claimCalls == 2 })
            let long = try await harness.client.submit(TaskSubmission(name: TestTasks.sleep, args: [0.5])).id
            #expect(try await eventually { try await harness.state(long)?.state == .started })
            let short = try await harness.client.submit(TaskSubmission(name: TestTasks.noop)).id
            #expect(try await eventually { try await harness.state(short)?.state == .success })
            #expect(try await eventually { try await harness.state(long)?.state == .success })
            try await Task.sleep(for: .milliseconds(300))
            #expect(store.claimCalls == 4)
        }
    }

    /// Back-to-back jobs on one slot: each ack claims the next job, and the slot's thread runs
    /// the next body right after the previous one (a handover that once crashed a worker).
    @Test(arguments: Backend.durable)
    func oneSlotRunsManyJobsBackToBack(backend: Backend) async throws {
        let harness = try Harness(backend, concurrency: 1)
        try await harness.running {
            var ids: [String] = []
            for _ in 0..<1000 { ids.append(try await harness.client.submit(TaskSubmission(name: TestTasks.noop)).id) }
            #expect(try await eventually(timeout: 20) { harness.worker.info().processed[TestTasks.noop] == 1000 })
            for id in ids.prefix(50) { #expect(try await harness.state(id)?.attempts.count == 1) }
        }
    }

    @Test(arguments: Backend.durable)
    func retriesStopAtMaxRetries(backend: Backend) async throws {
        let harness = try Harness(backend, retry: RetryOptions(maxRetries: 1, delay: 0, jitter: false))
        try await harness.running {
            let id = try await harness.client.submit(TaskSubmission(name: TestTasks.fail, args: [5])).id
            #expect(try await eventually { try await harness.state(id)?.state == .failure })
            let record = try #require(try await harness.state(id))
            #expect(record.attempts.count == 2)
            #expect(record.error?.type == "RetryableError")
        }
    }

    @Test(arguments: Backend.durable)
    func retryWaitsForItsDelayOnTheInjectedClock(backend: Backend) async throws {
        let harness = try Harness(backend, retry: RetryOptions(maxRetries: 3, delay: 10, jitter: false))
        try await harness.running {
            let start = harness.clock.now()
            let id = try await harness.client.submit(TaskSubmission(name: TestTasks.fail, args: [1])).id
            #expect(try await eventually { try await harness.state(id)?.state == .retry })
            #expect(try await harness.state(id)?.runAt == start.addingTimeInterval(10))
            // Not due yet: it stays waiting however long real time passes.
            try await Task.sleep(for: .milliseconds(200))
            #expect(try await harness.state(id)?.state == .retry)
            harness.clock.advance(by: 10)
            #expect(try await eventually { try await harness.state(id)?.state == .success })
        }
    }

    @Test(arguments: Backend.durable)
    func nonRetryableErrorsFailAtOnce(backend: Backend) async throws {
        struct Broken: Error {}
        let harness = try Harness(backend, extra: [TaskDefinition(name: "broken") { _ in throw Broken() }])
        try await harness.running {
            let id = try await harness.client.submit(TaskSubmission(name: "broken")).id
            #expect(try await eventually { try await harness.state(id)?.state == .failure })
            #expect(try await harness.state(id)?.error?.type == "Broken")
            #expect(try await harness.state(id)?.attempts.count == 1)
        }
    }

    @Test(arguments: Backend.durable)
    func autoretryForListedErrorTypes(backend: Backend) async throws {
        struct Flaky: Error {}
        let runs = Mutex(0)
        let task = TaskDefinition(name: "flaky", retry: RetryOptions(maxRetries: 2, delay: 0, jitter: false, autoretryFor: [Flaky.self])) { _ in
            let run = runs.withLock { value -> Int in
                value += 1
                return value
            }
            if run < 3 { throw Flaky() }
            return "ok"
        }
        let harness = try Harness(backend, extra: [task])
        try await harness.running {
            let id = try await harness.client.submit(TaskSubmission(name: "flaky")).id
            #expect(try await eventually { try await harness.state(id)?.state == .success })
            #expect(runs.withLock { $0 } == 3)
        }
    }

    @Test(arguments: Backend.durable)
    func progressIsVisibleWhileRunning(backend: Backend) async throws {
        let gate = Mutex(false)
        let task = TaskDefinition(name: "progress") { context in
            try context.progress(["percent": 42])
            while !gate.withLock({ $0 }) { Thread.sleep(forTimeInterval: 0.01) }
            return "done"
        }
        let harness = try Harness(backend, extra: [task])
        try await harness.running {
            let id = try await harness.client.submit(TaskSubmission(name: "progress")).id
            #expect(try await eventually { try await harness.state(id)?.state == .progress })
            #expect(try await harness.state(id)?.meta == ["percent": 42])
            gate.withLock { $0 = true }
            #expect(try await eventually { try await harness.state(id)?.state == .success })
        }
    }

    @Test(arguments: Backend.durable)
    func revokedRunningJobIsCancelledAndEndsRevoked(backend: Backend) async throws {
        let harness = try Harness(backend, visibilityTimeout: 0.3)
        try await harness.running {
            let id = try await harness.client.submit(TaskSubmission(name: TestTasks.sleep, args: [30])).id
            #expect(try await eventually { try await harness.state(id)?.state == .started })
            #expect(try await harness.store.revoke(id: id) == .started)
            #expect(try await eventually { try await harness.state(id)?.state == .revoked })
            #expect(try await harness.state(id)?.attempts.map(\.outcome) == [.revoked])
        }
    }

    @Test(arguments: Backend.durable)
    func warmShutdownLetsRunningJobsFinish(backend: Backend) async throws {
        let harness = try Harness(backend, grace: 5)
        let task = Task { try await harness.worker.run() }
        let id = try await harness.client.submit(TaskSubmission(name: TestTasks.sleep, args: [0.3])).id
        #expect(try await eventually { try await harness.state(id)?.state == .started })
        harness.worker.beginWarmShutdown()
        try await task.value
        #expect(try await harness.state(id)?.state == .success)
        #expect(try await harness.store.workers(seenWithin: 100).isEmpty)
    }

    @Test(arguments: Backend.durable)
    func aQuietRequestStopsClaimsUntilClearedAndAStopEndsTheWorker(backend: Backend) async throws {
        let harness = try Harness(backend)
        let task = Task { try await harness.worker.run() }
        try await harness.store.setControl(.quiet, worker: "test@host:1")
        try await Task.sleep(for: .seconds(Worker.controlPollInterval * 2))
        let id = try await harness.client.submit(TaskSubmission(name: TestTasks.noop)).id
        try await Task.sleep(for: .seconds(0.5))
        #expect(try await harness.state(id)?.state == .pending)

        try await harness.store.setControl(nil, worker: "test@host:1")
        #expect(try await eventually(timeout: 1.5) { try await harness.state(id)?.state == .success })

        try await harness.store.setControl(.stop, worker: "test@host:1")
        let asked = Date()
        try await task.value
        #expect(Date().timeIntervalSince(asked) < 1.5)
        #expect(try await harness.store.workers(seenWithin: 100).isEmpty)
    }

    @Test(arguments: Backend.durable)
    func graceExpiryReleasesTheLeaseWithoutCountingALoss(backend: Backend) async throws {
        let harness = try Harness(backend, grace: 0.2)
        let task = Task { try await harness.worker.run() }
        let id = try await harness.client.submit(TaskSubmission(name: TestTasks.spin, args: [2])).id
        #expect(try await eventually { try await harness.state(id)?.state == .started })
        harness.worker.beginWarmShutdown()
        try await task.value
        let record = try #require(try await harness.state(id))
        #expect(record.state == .pending)
        #expect(record.lostDeliveries == 0)
        #expect(record.attempts.map(\.outcome) == [.released])
    }

    @Test(arguments: Backend.durable)
    func coldShutdownReleasesAtOnce(backend: Backend) async throws {
        let harness = try Harness(backend, grace: 60)
        let task = Task { try await harness.worker.run() }
        let id = try await harness.client.submit(TaskSubmission(name: TestTasks.sleep, args: [60])).id
        #expect(try await eventually { try await harness.state(id)?.state == .started })
        let started = Date()
        task.cancel()
        _ = try? await task.value
        #expect(Date().timeIntervalSince(started) < 2)
        #expect(try await harness.state(id)?.state == .pending)
    }

    @Test(arguments: Backend.durable)
    func unknownTasksAreRefusedAtSubmit(backend: Backend) async throws {
        let harness = try Harness(backend)
        await #expect(throws: QueueError.unknownTask("nope")) {
            try await harness.client.submit(TaskSubmission(name: "nope"))
        }
    }

    @Test func routingPrefersExplicitQueueThenRoutesThenTheTaskDefault() {
        var registry = TaskRegistry()
        registry.register(TaskDefinition(name: "a", queue: "own") { _ in nil })
        registry.register(TaskDefinition(name: "b") { _ in nil })
        let client = QueueClient(store: MemoryQueueStore(), registry: registry, routes: ["b": "routed"])
        #expect(client.queue(for: "a") == "own")
        #expect(client.queue(for: "b") == "routed")
        #expect(client.queue(for: "unknown") == "default")
    }

    @Test func retryDelayBackoffAndJitter() {
        let plain = RetryOptions(delay: 10, backoff: false, jitter: false)
        #expect(plain.delay(afterRetries: 3) == 10)
        let backoff = RetryOptions(delay: 10, backoff: true, backoffMax: 60, jitter: false)
        #expect([0, 1, 2, 3].map { backoff.delay(afterRetries: $0) } == [10, 20, 40, 60])
        let jittered = RetryOptions(delay: 10, backoff: true, jitter: true)
        #expect(jittered.delay(afterRetries: 1) { range in range.upperBound } == 20)
        #expect(jittered.delay(afterRetries: 1) { range in range.lowerBound } == 0)
        #expect(RetryOptions().isRetryable(RetryableError("x")))
        #expect(!RetryOptions().isRetryable(CancellationError()))
    }
}

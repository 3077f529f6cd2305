import Foundation
import GRDB
import TestSupport
import Testing

@testable import TaskQueue

/// The real binary on a temporary data directory: delivery guarantees across processes,
/// crashes (SIGKILL) and shutdown (SIGTERM).
@Suite(.serialized) struct WorkerProcessTests {
    @Test func twoWorkersDrainNoopJobsEachExactlyOnce() async throws {
        // Given two worker processes on one data directory
        let sandbox = try Sandbox()
        let workers = [try await sandbox.startWorker(), try await sandbox.startWorker()]
        defer { workers.forEach { $0.signal(SIGKILL) } }
        let store = try sandbox.store()
        // When 2,000 noop jobs are enqueued
        let ids = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<2000 {
                group.addTask { try await store.enqueue(NewJob(name: TestTasks.noop)).id }
            }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(Set(ids).count == 2000)
        // Then all succeed, each with exactly one attempt, shared between both workers
        let drained = try await eventually(timeout: 60) {
            try await sandbox.queueCount("SELECT COUNT(*) FROM jobs WHERE state = 'SUCCESS'") == 2000
        }
        #expect(drained)
        let successes = try await sandbox.queueCount("SELECT COUNT(*) FROM attempts WHERE outcome = 'SUCCESS'")
        let repeated = try await sandbox.queueCount(
            "SELECT COUNT(*) FROM (SELECT job_id FROM attempts GROUP BY job_id HAVING COUNT(*) > 1) AS repeated")
        let workersUsed = try await sandbox.queueCount("SELECT COUNT(DISTINCT worker) FROM attempts")
        #expect(successes == 2000)
        #expect(repeated == 0, "\(workers.map { $0.log.suffix(3000) })")
        #expect(workersUsed == 2)
        #expect(workers.allSatisfy { $0.process.isRunning }, "a worker died: \(workers.map(\.log))")
    }

    @Test func sigkillDuringSleepRedeliversAfterTheLease() async throws {
        // Given a worker running a 3 s sleep with a 2 s visibility timeout
        let sandbox = try Sandbox()
        let environment = ["IMPORTER_VISIBILITY_TIMEOUT": "2"]
        let first = try await sandbox.startWorker(environment: environment)
        defer { first.signal(SIGKILL) }
        let store = try sandbox.store()
        let id = try await store.enqueue(NewJob(name: TestTasks.sleep, args: [3])).id
        #expect(try await eventually(timeout: 10) { try await store.record(id)?.state == .started })
        // When the worker is killed and another one starts
        first.signal(SIGKILL)
        _ = await first.waitForExit()
        let second = try await sandbox.startWorker(environment: environment)
        defer { second.signal(SIGKILL) }
        // Then the job is delivered again after its lease lapses and succeeds
        #expect(try await eventually(timeout: 20) { try await store.record(id)?.state == .success })
        let job = try #require(try await store.record(id))
        #expect(job.deliveries == 2)
        #expect(job.lostDeliveries == 1)
        #expect(job.attempts.map(\.outcome) == [.lost, .success])
    }

    @Test func sleepThreeTimesTheVisibilityTimeoutRunsOnce() async throws {
        let sandbox = try Sandbox()
        let worker = try await sandbox.startWorker(environment: ["IMPORTER_VISIBILITY_TIMEOUT": "1"])
        defer { worker.signal(SIGKILL) }
        let store = try sandbox.store()
        let id = try await store.enqueue(NewJob(name: TestTasks.sleep, args: [3])).id
        #expect(try await eventually(timeout: 20) { try await store.record(id)?.state == .success })
        let job = try #require(try await store.record(id))
        #expect(job.deliveries == 1)
        #expect(job.attempts.map(\.outcome) == [.success])
    }

    @Test func failTwiceSucceedsOnTheThirdRun() async throws {
        let sandbox = try Sandbox()
        let worker = try await sandbox.startWorker(environment: ["IMPORTER_RETRY_DELAY": "0.1", "IMPORTER_RETRY_JITTER": "false"])
        defer { worker.signal(SIGKILL) }
        let store = try sandbox.store()
        let id = try await store.enqueue(NewJob(name: TestTasks.fail, args: [2])).id
        #expect(try await eventually(timeout: 20) { try await store.record(id)?.state == .success })
        let job = try #require(try await store.record(id))
        #expect(job.retries == 2)
        #expect(job.attempts.map(\.outcome) == [.retry, .retry, .success])
        #expect(job.attempts.compactMap(\.error?.type) == ["RetryableError", "RetryableError"])
    }

    @Test func sigtermDrainsGracefully() async throws {
        // Given a worker running a 1.5 s job
        let sandbox = try Sandbox()
        let worker = try await sandbox.startWorker()
        defer { worker.signal(SIGKILL) }
        let store = try sandbox.store()
        let id = try await store.enqueue(NewJob(name: TestTasks.sleep, args: [1.5])).id
        #expect(try await eventually(timeout: 10) { try await store.record(id)?.state == .started })
        // When it gets SIGTERM
        worker.signal(SIGTERM)
        #expect(await worker.waitForLog("worker_stopping"))
        // Then it finishes the job, stops claiming, and exits 0
        let extra = try await store.enqueue(NewJob(name: TestTasks.noop)).id
        #expect(await worker.waitForExit(timeout: 15) == 0)
        #expect(try await store.record(id)?.state == .success)
        #expect(try await store.record(extra)?.state == .pending)
        #expect(worker.log.contains("worker_shutdown"))
        #expect(try await store.workers(seenWithin: 100).isEmpty)
    }

    @Test func controlRequestsFromAnotherProcessQuietThenStopTheWorker() async throws {
        // Given a worker process, and its control requests written by this (another) process
        let sandbox = try Sandbox()
        let worker = try await sandbox.startWorker()
        defer { worker.signal(SIGKILL) }
        let store = try sandbox.store()
        #expect(try await eventually(timeout: 10) { try await !store.workers(seenWithin: 100).isEmpty })
        let name = try #require(try await store.workers(seenWithin: 100).first?.name)
        // When it is asked to be quiet, it obeys within 1 s: a new job waits
        try await store.setControl(.quiet, worker: name)
        #expect(await worker.waitForLog("worker_quiet", timeout: 1.5))
        let held = try await store.enqueue(NewJob(name: TestTasks.noop)).id
        try await Task.sleep(for: .seconds(1))
        #expect(try await store.record(held)?.state == .pending)
        // When it is asked to stop, it shuts down warm and exits 0 within 1 s (nothing runs)
        try await store.setControl(.stop, worker: name)
        let asked = Date()
        #expect(await worker.waitForExit(timeout: 10) == 0, "\(worker.log)")
        #expect(Date().timeIntervalSince(asked) < 2)
        #expect(worker.log.contains("worker_stop_requested"))
        #expect(try await store.record(held)?.state == .pending)
        #expect(try await store.workers(seenWithin: 100).isEmpty)
        #expect(try await store.workerControls().isEmpty)
    }

    @Test func graceExpiryReleasesAndASecondSignalIsCold() async throws {
        let sandbox = try Sandbox()
        let worker = try await sandbox.startWorker(environment: ["IMPORTER_SHUTDOWN_GRACE": "60"])
        defer { worker.signal(SIGKILL) }
        let store = try sandbox.store()
        let id = try await store.enqueue(NewJob(name: TestTasks.sleep, args: [60])).id
        #expect(try await eventually(timeout: 10) { try await store.record(id)?.state == .started })
        worker.signal(SIGTERM)
        try await Task.sleep(for: .milliseconds(300))
        #expect(worker.process.isRunning)
        worker.signal(SIGINT)
        #expect(await worker.waitForExit(timeout: 10) == 0)
        let job = try #require(try await store.record(id))
        #expect(job.state == .pending)
        #expect(job.lostDeliveries == 0)
        #expect(job.attempts.map(\.outcome) == [.released])
    }

    @Test func processesStartedTogetherOnAFreshDataDirectoryAllComeUp() async throws {
        let sandbox = try Sandbox()
        let migrations = try (0..<4).map { _ in try ImporterProcess(["migrate"], dataDir: sandbox.dataDir) }
        let workers = try (0..<3).map { _ in
            try ImporterProcess(["worker"], dataDir: sandbox.dataDir, environment: Sandbox.testTasks)
        }
        defer { workers.forEach { $0.signal(SIGKILL) } }
        for migration in migrations {
            #expect(await migration.waitForExit() == 0, "\(migration.log)")
        }
        for worker in workers {
            #expect(await worker.waitForLog("worker_ready"), "\(worker.log)")
        }
        let store = try sandbox.store()
        #expect(try await eventually(timeout: 10) { try await store.workers(seenWithin: 10).count == 3 })
    }
}

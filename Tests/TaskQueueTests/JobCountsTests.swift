import Foundation
import GRDB
import Testing

@testable import TaskQueue

/// The listing's totals and per-state counts (on SQLite, from partial indexes and a subtraction,
/// migration v7) agree with the jobs themselves after every path that adds, moves or removes one.
@Suite struct JobCountsTests {
    @Test(arguments: Backend.allCases)
    func countsFollowEveryTransition(backend: Backend) async throws {
        let fixture = try StoreFixture(backend)
        let store = fixture.store
        let clock = fixture.clock
        for (name, queue) in [("x", "a"), ("x", "a"), ("x", "b"), ("y", "a"), ("y", "b"), ("y", "b"), ("x", "a"), ("y", "a")] {
            _ = try await fixture.enqueue(name, queue: queue)
        }
        _ = try await fixture.enqueue("x", queue: "a", runAt: clock.now().addingTimeInterval(600))
        try await expectCountsAgree(store, "enqueue")

        let succeeded = try #require(try store.claim(queues: ["a"], worker: "w1"))
        try await expectCountsAgree(store, "claim")
        let next = try #require(try store.succeed(succeeded.lease, result: 1, thenClaim: ["a"], worker: "w1"))
        try await expectCountsAgree(store, "succeed, then claim")
        try store.progress(next.lease, meta: ["done": 1])
        try await expectCountsAgree(store, "progress")
        try store.fail(next.lease, error: TaskErrorInfo(type: "E", message: "m"))
        try await expectCountsAgree(store, "fail")

        let retried = try #require(try store.claim(queues: ["b"], worker: "w2"))
        try store.retry(retried.lease, error: TaskErrorInfo(type: "E", message: "again"), at: clock.now())
        try await expectCountsAgree(store, "retry")
        let released = try #require(try store.claim(queues: ["b"], worker: "w2"))
        try store.release(released.lease)
        try await expectCountsAgree(store, "release")

        let revoked = try #require(try store.claim(queues: ["b"], worker: "w2"))
        _ = try await store.revoke(id: revoked.id)
        try store.stopRevoked(revoked.lease)
        let waiting = try await fixture.enqueue("z", queue: "c")
        _ = try await store.revoke(id: waiting)
        try await expectCountsAgree(store, "revoke")

        let abandoned = try #require(try store.claim(queues: ["a"], worker: "w3"))
        try await store.failAbandoned(abandoned.lease, error: TaskErrorInfo(type: "TimeLimitExceeded", message: "hard"))
        let given = try #require(try store.claim(queues: ["a"], worker: "w3"))
        try await store.releaseAbandoned(given.lease)
        try await expectCountsAgree(store, "abandoned")

        // A lapsed lease is given back by the next claim (the reaper), then claimed by another worker.
        _ = try #require(try store.claim(queues: ["b"], worker: "w4"))
        clock.advance(by: 31)
        _ = try #require(try store.claim(queues: ["b"], worker: "w5"))
        try await expectCountsAgree(store, "reaper")

        let deadLetter = try #require(try await store.jobs(JobFilter(state: .failure)).first)
        _ = try await store.retry(id: deadLetter.id)
        try await expectCountsAgree(store, "retry of a dead letter")
        _ = try await store.purge(queue: "a")
        try await expectCountsAgree(store, "purge")
        let finished = try await store.jobs(JobFilter(state: .revoked)).map(\.id)
        _ = try await store.deleteFinished(ids: finished)
        try await expectCountsAgree(store, "delete finished")
        clock.advance(by: 700_000)
        _ = try await store.deleteExpired(limit: 100)
        try await expectCountsAgree(store, "result expiry")
    }

    @Test(arguments: Backend.allCases)
    func aCountNoIndexAnswersStopsAtTheLimit(backend: Backend) async throws {
        let fixture = try StoreFixture(backend)
        let store = fixture.store
        for _ in 0..<5 { _ = try await fixture.enqueue() }
        for _ in 0..<4 {
            let job = try #require(try store.claim(queues: ["default"], worker: "w"))
            try store.succeed(job.lease, result: 1)
        }
        let failed = try #require(try store.claim(queues: ["default"], worker: "w"))
        try store.fail(failed.lease, error: TaskErrorInfo(type: "E", message: "m"))
        // A worker's successes are counted up to the limit; its failures exactly, from their index
        let limited = try await store.countJobs(JobFilter(worker: "w"), limit: 2)
        switch backend {
        case .sqlite:
            #expect(limited == JobCounts([.success: 2, .failure: 1], atLeast: [.success]))
            #expect(try await store.totalJobs(JobFilter(worker: "w"), limit: 2) == JobTotal(3, isExact: false))
        case .memory, .postgres:
            // These count exactly (the contract allows a store not to stop).
            #expect(limited == JobCounts([.success: 4, .failure: 1]))
            #expect(try await store.totalJobs(JobFilter(worker: "w"), limit: 2) == JobTotal(5))
        }
        #expect(try await store.countJobs(JobFilter(state: .failure, worker: "w"), limit: 0) == JobCounts([.failure: 1]))
        // Under the limit, or without a worker filter, or without a limit, exact
        #expect(try await store.countJobs(JobFilter(worker: "w"), limit: 4) == JobCounts([.success: 4, .failure: 1]))
        #expect(try await store.countJobs(JobFilter(state: .success), limit: 2) == JobCounts([.success: 4]))
        #expect(try await store.countJobs(JobFilter(worker: "w"), limit: nil) == JobCounts([.success: 4, .failure: 1]))
        #expect(try await store.totalJobs(JobFilter(worker: "w"), limit: 5) == JobTotal(5))
        #expect(try await store.totalJobs(JobFilter(state: .success), limit: 2) == JobTotal(4))
    }

    @Test func migrationCountsTheJobsAlreadyStored() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tq-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("queue.sqlite").path
        // Given a queue database of the version before, with jobs in several states
        let queue = try DatabaseQueue(path: path)
        try SQLiteQueueStore.migrator.migrate(queue, upTo: "v6: covering dead-letter indexes")
        try await queue.write { db in
            let jobs: [(state: String, worker: String?)] = [("PENDING", nil), ("SUCCESS", "w"), ("SUCCESS", "w"), ("FAILURE", "v")]
            for (state, worker) in jobs {
                try db.execute(
                    sql: """
                        INSERT INTO jobs (id, name, queue, priority, state, args, kwargs, enqueued_at, run_at, worker)
                        VALUES (?, 'n', 'default', 5, ?, '[]', '{}', 0, 0, ?)
                        """,
                    arguments: [JobID.make(), state, worker])
            }
        }
        try queue.close()
        // When it is opened (and migrated) by this version, its counts are those of its jobs
        let store = try SQLiteQueueStore(path: path)
        #expect(try await store.countJobsByState(JobFilter()) == [.pending: 1, .success: 2, .failure: 1])
        #expect(try await store.countJobs(JobFilter(worker: "w")) == 2)
        try await expectCountsAgree(store, "migration")
    }

    /// Every count the API answers from, against the jobs listed one by one.
    private func expectCountsAgree(_ store: any QueueStore, _ step: String) async throws {
        let jobs = try await store.jobs(JobFilter(limit: 10_000))
        let location = Comment(rawValue: "after \(step)")
        #expect(try await store.countJobs(JobFilter()) == jobs.count, location)
        var byState: [TaskState: Int] = [:]
        var byQueue: [String: [TaskState: Int]] = [:]
        for job in jobs {
            byState[job.state, default: 0] += 1
            byQueue[job.queue, default: [:]][job.state, default: 0] += 1
        }
        #expect(try await store.countJobsByState(JobFilter()) == byState, location)
        #expect(try await store.countsByQueueAndState() == byQueue, location)
        for state in TaskState.allCases {
            #expect(try await store.countJobs(JobFilter(state: state)) == byState[state] ?? 0, location)
            #expect(try await store.countJobs(JobFilter(state: state), limit: 0) == JobCounts([state: byState[state] ?? 0]), location)
        }
        for worker in Set(jobs.compactMap(\.worker)) {
            let matching = jobs.filter { $0.worker == worker }
            #expect(try await store.countJobs(JobFilter(worker: worker)) == matching.count, location)
            // With a limit, a count is exact, or stopped at the limit and flagged.
            let exact = Dictionary(grouping: matching, by: \.state).mapValues(\.count)
            let limited = try await store.countJobs(JobFilter(worker: worker), limit: 1)
            for state in TaskState.allCases {
                let count = limited.byState[state] ?? 0
                #expect(count == exact[state] ?? 0 || (count == 1 && limited.atLeast.contains(state)), location)
            }
            let total = try await store.totalJobs(JobFilter(worker: worker), limit: 1)
            #expect(total == JobTotal(limited.total, isExact: limited.isExact), location)
        }
        for name in Set(jobs.map(\.name)) {
            for queue in Set(jobs.map(\.queue)) {
                let filter = JobFilter(name: name, queue: queue)
                let expected = Dictionary(grouping: jobs.filter(filter.matches), by: \.state).mapValues(\.count)
                #expect(try await store.countJobsByState(filter) == expected, location)
            }
        }
    }
}

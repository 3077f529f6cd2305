import Foundation
import Testing

@testable import TaskQueue

/// The storage contract, run against the SQLite backend (on a temporary file) and its
/// in-memory twin, with a manual clock.
@Suite struct QueueStoreTests {
    @Test(arguments: Backend.allCases)
    func enqueueThenLookUp(backend: Backend) async throws {
        // Given a fresh store
        let fixture = try StoreFixture(backend)
        // When a job is enqueued
        let id = try await fixture.store.enqueue(
            NewJob(name: "t", args: [1, "a"], kwargs: ["k": true], queue: "q", priority: 7)
        ).id
        // Then it is stored as PENDING with its message
        let record = try await fixture.record(id)
        #expect(record.state == .pending)
        #expect(record.args == [1, "a"])
        #expect(record.kwargs == ["k": true])
        #expect(record.queue == "q")
        #expect(record.priority == 7)
        #expect(record.deliveries == 0)
        #expect(JobID.isValid(id))
        #expect(try await fixture.store.job(id: JobID.make()) == .notFound)
    }

    @Test(arguments: Backend.allCases)
    func payloadLimitAndValidation(backend: Backend) async throws {
        let fixture = try StoreFixture(backend)
        let big = String(repeating: "x", count: 5000)
        await #expect(throws: QueueError.payloadTooLarge(size: 0, limit: 0)) {
            try await fixture.store.enqueue(NewJob(name: "t", args: [.string(big)]))
        }
        await #expect(throws: QueueError.invalidJob("")) {
            try await fixture.store.enqueue(NewJob(name: "t", priority: 10))
        }
    }

    @Test(arguments: Backend.allCases)
    func idempotencyKeyReturnsTheSameIdWithin24Hours(backend: Backend) async throws {
        let fixture = try StoreFixture(backend)
        let first = try await fixture.store.enqueue(NewJob(name: "t", idempotencyKey: "k1"))
        let again = try await fixture.store.enqueue(NewJob(name: "t", idempotencyKey: "k1"))
        #expect(!first.existing)
        #expect(again == EnqueueResult(id: first.id, existing: true))
        fixture.clock.advance(by: 86_401)
        let later = try await fixture.store.enqueue(NewJob(name: "t", idempotencyKey: "k1"))
        #expect(later.id != first.id)
        #expect(!later.existing)
    }

    /// An idle slot's one question: a due job, or else when the next delayed one is due.
    @Test(arguments: Backend.allCases)
    func claimOrNextRunGivesADueJobElseTheNextRun(backend: Backend) async throws {
        let fixture = try StoreFixture(backend)
        let now = fixture.clock.now()
        func ask(excluding names: [String] = []) throws -> ClaimAttempt {
            try fixture.store.claimOrNextRun(queues: ["default"], excluding: names, worker: "w", after: fixture.clock.now())
        }
        func idle(_ attempt: ClaimAttempt) -> Date?? {
            guard case .idle(let nextRun) = attempt else { return .none }
            return .some(nextRun)
        }
        func claimed(_ attempt: ClaimAttempt) -> String? {
            guard case .claimed(let job) = attempt else { return nil }
            return job.id
        }
        // Nothing waits: idle, no next run.
        #expect(idle(try ask()) == .some(nil))
        // A delayed job: its due time.
        let later = try await fixture.enqueue(runAt: now.addingTimeInterval(10))
        #expect(idle(try ask()) == .some(now.addingTimeInterval(10)))
        // A due job of a rate-limited name is skipped; once allowed, it is claimed.
        let limited = try await fixture.enqueue("limited")
        #expect(idle(try ask(excluding: ["limited"])) == .some(now.addingTimeInterval(10)))
        #expect(claimed(try ask()) == limited)
        #expect(try await fixture.record(limited).state == .started)
        // The delayed job once due, then nothing.
        fixture.clock.advance(by: 11)
        #expect(claimed(try ask()) == later)
        #expect(idle(try ask()) == .some(nil))
    }

    @Test(arguments: Backend.allCases)
    func claimOrderIsPriorityThenDueTimeThenFIFO(backend: Backend) async throws {
        let fixture = try StoreFixture(backend)
        let low = try await fixture.enqueue(priority: 1)
        let a = try await fixture.enqueue(priority: 5)
        let b = try await fixture.enqueue(priority: 5)
        let urgent = try await fixture.enqueue(priority: 9)
        let delayed = try await fixture.enqueue(priority: 9, runAt: fixture.clock.now().addingTimeInterval(60))
        let other = try await fixture.enqueue(queue: "other", priority: 9)
        var order: [String] = []
        while let job = try fixture.store.claim(queues: ["default"], worker: "w") {
            order.append(job.id)
            try fixture.store.succeed(job.lease, result: nil)
        }
        #expect(order == [urgent, a, b, low])
        // The delayed job becomes claimable at its time; other queues are untouched.
        fixture.clock.advance(by: 60)
        #expect(try fixture.store.claim(queues: ["default"], worker: "w")?.id == delayed)
        #expect(try await fixture.record(other).state == .pending)
        #expect(try fixture.store.claim(queues: ["default", "other"], worker: "w")?.id == other)
    }

    @Test(arguments: Backend.allCases)
    func claimTakesALeaseAndAFreshToken(backend: Backend) async throws {
        let fixture = try StoreFixture(backend)
        let id = try await fixture.enqueue()
        let job = try #require(try fixture.store.claim(queues: ["default"], worker: "w1"))
        #expect(job.id == id)
        #expect(job.deliveries == 1)
        #expect(job.leaseUntil == fixture.clock.now().addingTimeInterval(30))
        let record = try await fixture.record(id)
        #expect(record.state == .started)
        #expect(record.worker == "w1")
        #expect(record.attempts.count == 1)
        #expect(record.attempts[0].outcome == nil)
        // Nobody else can claim it while the lease is live.
        #expect(try fixture.store.claim(queues: ["default"], worker: "w2") == nil)
    }

    @Test(arguments: Backend.allCases)
    func lateAckStoresTheResultAndSpendsTheToken(backend: Backend) async throws {
        let fixture = try StoreFixture(backend)
        let id = try await fixture.enqueue()
        let job = try #require(try fixture.store.claim(queues: ["default"], worker: "w"))
        try fixture.store.progress(job.lease, meta: ["percent": 50])
        #expect(try await fixture.record(id).state == .progress)
        #expect(try await fixture.record(id).meta == ["percent": 50])
        try fixture.store.succeed(job.lease, result: ["ok": true])
        let record = try await fixture.record(id)
        #expect(record.state == .success)
        #expect(record.result == ["ok": true])
        #expect(record.dateDone == fixture.clock.now())
        #expect(record.expiresAt == fixture.clock.now().addingTimeInterval(3600))
        #expect(record.attempts.map(\.outcome) == [.success])
        // The delivery's token is spent: a second ack, a renewal or progress is refused.
        #expect(throws: QueueError.staleLease(id)) { try fixture.store.succeed(job.lease, result: nil) }
        #expect(throws: QueueError.staleLease(id)) { try fixture.store.progress(job.lease, meta: nil) }
        #expect(try await fixture.store.renew(job.lease) == .lost)
    }

    @Test(arguments: Backend.allCases)
    func staleDeliveryIsFencedAfterRedelivery(backend: Backend) async throws {
        let fixture = try StoreFixture(backend)
        let id = try await fixture.enqueue()
        let first = try #require(try fixture.store.claim(queues: ["default"], worker: "w1"))
        // When the first holder's lease lapses, another worker gets the job.
        fixture.clock.advance(by: 31)
        #expect(try await fixture.record(id).visibleState(at: fixture.clock.now()) == .pending)
        let second = try #require(try fixture.store.claim(queues: ["default"], worker: "w2"))
        #expect(second.id == id)
        #expect(second.deliveries == 2)
        #expect(second.lease.token != first.lease.token)
        // Then every write of the first holder is refused.
        #expect(try await fixture.store.renew(first.lease) == .lost)
        #expect(throws: QueueError.staleLease(id)) { try fixture.store.progress(first.lease, meta: 1) }
        #expect(throws: QueueError.staleLease(id)) { try fixture.store.succeed(first.lease, result: 1) }
        #expect(throws: QueueError.staleLease(id)) {
            try fixture.store.fail(first.lease, error: TaskErrorInfo(type: "E", message: "m"))
        }
        #expect(throws: QueueError.staleLease(id)) {
            try fixture.store.retry(first.lease, error: TaskErrorInfo(type: "E", message: "m"), at: Date())
        }
        #expect(throws: QueueError.staleLease(id)) { try fixture.store.release(first.lease) }
        // And the current holder's work stands.
        try fixture.store.succeed(second.lease, result: "done")
        let record = try await fixture.record(id)
        #expect(record.state == .success)
        #expect(record.result == "done")
        #expect(record.lostDeliveries == 1)
        #expect(record.attempts.map(\.outcome) == [.lost, .success])
    }

    /// Slots that always find their next job with their ack never call `claim` alone: the
    /// ack's claim gives lapsed leases back too.
    @Test(arguments: Backend.allCases)
    func anAcksClaimRedeliversALapsedLease(backend: Backend) async throws {
        let fixture = try StoreFixture(backend)
        let lapsing = try await fixture.enqueue()
        let busy = try await fixture.enqueue()
        let lost = try #require(try fixture.store.claim(queues: ["default"], worker: "w1"))
        #expect(lost.id == lapsing)
        let held = try #require(try fixture.store.claim(queues: ["default"], worker: "w2"))
        #expect(held.id == busy)
        // The first lease lapses; the second is renewed and still held.
        fixture.clock.advance(by: 20)
        #expect(try await fixture.store.renew(held.lease) != .lost)
        fixture.clock.advance(by: 20)
        let next = try #require(try fixture.store.succeed(held.lease, result: 1, thenClaim: ["default"], worker: "w2"))
        #expect(next.id == lapsing)
        #expect(next.deliveries == 2)
        #expect(try await fixture.record(lapsing).attempts.map(\.outcome) == [.lost, nil])
    }

    @Test(arguments: Backend.allCases)
    func renewalKeepsALongJobFromBeingRedelivered(backend: Backend) async throws {
        let fixture = try StoreFixture(backend)
        _ = try await fixture.enqueue()
        let job = try #require(try fixture.store.claim(queues: ["default"], worker: "w"))
        for _ in 0..<10 {
            fixture.clock.advance(by: 10)
            guard case .held(let until, false) = try await fixture.store.renew(job.lease) else {
                Issue.record("lease should be held")
                return
            }
            #expect(until == fixture.clock.now().addingTimeInterval(30))
            #expect(try fixture.store.claim(queues: ["default"], worker: "other") == nil)
        }
    }

    @Test(arguments: Backend.allCases)
    func maxDeliveriesLapsesEndInWorkerLost(backend: Backend) async throws {
        let fixture = try StoreFixture(backend)  // max_deliveries = 3
        let id = try await fixture.enqueue()
        for delivery in 1...3 {
            let job = try #require(try fixture.store.claim(queues: ["default"], worker: "w"))
            #expect(job.deliveries == delivery)
            fixture.clock.advance(by: 31)
        }
        #expect(try fixture.store.claim(queues: ["default"], worker: "w") == nil)
        let record = try await fixture.record(id)
        #expect(record.state == .failure)
        #expect(record.error?.type == "WorkerLost")
        #expect(record.lostDeliveries == 3)
        #expect(record.attempts.map(\.outcome) == [.lost, .lost, .lost])
        #expect(record.expiresAt == fixture.clock.now().addingTimeInterval(604_800))
    }

    @Test(arguments: Backend.allCases)
    func retryWaitsUntilItsTimeAndKeepsEveryError(backend: Backend) async throws {
        let fixture = try StoreFixture(backend)
        let id = try await fixture.enqueue()
        let first = try #require(try fixture.store.claim(queues: ["default"], worker: "w"))
        let retryAt = fixture.clock.now().addingTimeInterval(5)
        try fixture.store.retry(first.lease, error: TaskErrorInfo(type: "E", message: "one"), at: retryAt)
        var record = try await fixture.record(id)
        #expect(record.state == .retry)
        #expect(record.runAt == retryAt)
        #expect(record.retries == 1)
        #expect(try fixture.store.claim(queues: ["default"], worker: "w") == nil)
        fixture.clock.advance(by: 5)
        let second = try #require(try fixture.store.claim(queues: ["default"], worker: "w"))
        #expect(second.retries == 1)
        try fixture.store.fail(second.lease, error: TaskErrorInfo(type: "E", message: "two"))
        record = try await fixture.record(id)
        #expect(record.state == .failure)
        #expect(record.error?.message == "two")
        #expect(record.attempts.map(\.error?.message) == ["one", "two"])
        #expect(record.attempts.map(\.outcome) == [.retry, .failure])
    }

    @Test(arguments: Backend.allCases)
    func releaseGivesTheJobBackWithoutCountingALoss(backend: Backend) async throws {
        let fixture = try StoreFixture(backend)
        let id = try await fixture.enqueue()
        let job = try #require(try fixture.store.claim(queues: ["default"], worker: "w"))
        try fixture.store.release(job.lease)
        let record = try await fixture.record(id)
        #expect(record.state == .pending)
        #expect(record.lostDeliveries == 0)
        #expect(record.attempts.map(\.outcome) == [.released])
        #expect(try fixture.store.claim(queues: ["default"], worker: "w")?.deliveries == 2)
    }

    @Test(arguments: Backend.allCases)
    func revokeWaitingAndRunningJobs(backend: Backend) async throws {
        let fixture = try StoreFixture(backend)
        let waiting = try await fixture.enqueue()
        let running = try await fixture.enqueue()
        #expect(try await fixture.store.revoke(id: waiting) == .revoked)
        let job = try #require(try fixture.store.claim(queues: ["default"], worker: "w"))
        #expect(job.id == running)
        // A running job is flagged; its holder learns it at the next renewal.
        #expect(try await fixture.store.revoke(id: running) == .started)
        guard case .held(_, true) = try await fixture.store.renew(job.lease) else {
            Issue.record("revoke flag not reported")
            return
        }
        try fixture.store.stopRevoked(job.lease)
        #expect(try await fixture.record(running).state == .revoked)
        #expect(try await fixture.store.revoke(id: running) == .revoked)
        #expect(try await fixture.store.revoke(id: JobID.make()) == nil)
        #expect(try fixture.store.claim(queues: ["default"], worker: "w") == nil)
    }

    @Test(arguments: Backend.allCases)
    func purgeRemovesOnlyWaitingJobs(backend: Backend) async throws {
        let fixture = try StoreFixture(backend)
        _ = try await fixture.enqueue(queue: "a")
        _ = try await fixture.enqueue(queue: "a", runAt: fixture.clock.now().addingTimeInterval(100))
        _ = try await fixture.enqueue(queue: "b")
        let running = try await fixture.enqueue(queue: "c")
        _ = try #require(try fixture.store.claim(queues: ["c"], worker: "w"))
        #expect(try await fixture.store.purge(queue: "a") == 2)
        #expect(try await fixture.store.purge(queue: nil) == 1)
        #expect(try await fixture.record(running).state == .started)
    }

    @Test(arguments: Backend.allCases)
    func expiredResultsAreGoneAndDeleted(backend: Backend) async throws {
        let fixture = try StoreFixture(backend)
        let id = try await fixture.enqueue()
        let job = try #require(try fixture.store.claim(queues: ["default"], worker: "w"))
        try fixture.store.succeed(job.lease, result: 1)
        fixture.clock.advance(by: 3601)
        #expect(try await fixture.store.job(id: id) == .notFound)
        #expect(try await fixture.store.deleteExpired(limit: 100) == 1)
        #expect(try await fixture.store.deleteExpired(limit: 100) == 0)
    }

    @Test(arguments: Backend.allCases)
    func listingFiltersAndCountsPerState(backend: Backend) async throws {
        let fixture = try StoreFixture(backend)
        let store = fixture.store
        let start = fixture.clock.now()
        let lamp = try await store.enqueue(NewJob(name: "import", kwargs: ["file": "lamps_100%.csv"])).id
        fixture.clock.advance(by: 60)
        let chair = try await store.enqueue(NewJob(name: "import", args: ["Chair_1"], queue: "imports")).id
        fixture.clock.advance(by: 60)
        let mail = try await store.enqueue(NewJob(name: "send_mail", args: ["bob@example.com"])).id
        // One ran on worker w1 and failed, one runs on w2, one waits
        let failing = try #require(try store.claim(queues: ["default"], worker: "w1@h:1"))
        #expect(failing.id == lamp)
        try store.fail(failing.lease, error: TaskErrorInfo(type: "DiskFull", message: "no space left on device"))
        _ = try #require(try store.claim(queues: ["imports"], worker: "w2@h:2"))

        func ids(_ filter: JobFilter) async throws -> [String] { try await store.jobs(filter).map(\.id) }
        #expect(try await ids(JobFilter(worker: "w1@h:1")) == [lamp])
        #expect(try await ids(JobFilter(worker: "nobody")) == [])
        // Search: an id prefix, or a substring of the name, args, kwargs or error (ASCII case folded);
        // LIKE's wildcards in the text match literally
        #expect(try await ids(JobFilter(search: String(mail.prefix(30)))) == [mail])
        #expect(try await ids(JobFilter(search: "SEND_")) == [mail])
        #expect(try await ids(JobFilter(search: "chair_1")) == [chair])
        #expect(try await ids(JobFilter(search: "_100%")) == [lamp])
        #expect(try await ids(JobFilter(search: "00%.c")) == [lamp])
        #expect(try await ids(JobFilter(search: "diskfull")) == [lamp])
        #expect(try await ids(JobFilter(search: "space left")) == [lamp])
        #expect(try await ids(JobFilter(search: "%")) == [lamp])
        #expect(try await ids(JobFilter(search: "message")) == [])  // not the error's JSON keys
        #expect(try await ids(JobFilter(search: "example.com")) == [mail])
        // Time: enqueued in [since, until)
        #expect(try await ids(JobFilter(since: start.addingTimeInterval(60))) == [mail, chair])
        #expect(try await ids(JobFilter(until: start.addingTimeInterval(60))) == [lamp])
        #expect(try await ids(JobFilter(since: start.addingTimeInterval(30), until: start.addingTimeInterval(90))) == [chair])
        // Combined, and counted per state (the filter's state ignored)
        #expect(try await ids(JobFilter(name: "import", search: "csv")) == [lamp])
        #expect(try await store.countJobs(JobFilter(name: "import")) == 2)
        #expect(try await store.countJobsByState(JobFilter()) == [.failure: 1, .started: 1, .pending: 1])
        #expect(try await store.countJobsByState(JobFilter(state: .pending, name: "import")) == [.failure: 1, .started: 1])
        #expect(try await store.countJobsByState(JobFilter(search: "nothing like it")) == [:])
    }

    @Test(arguments: Backend.allCases)
    func keysetPagesAndDeletingFinishedJobs(backend: Backend) async throws {
        let fixture = try StoreFixture(backend)
        let store = fixture.store
        var ids: [String] = []
        for _ in 0..<5 { ids.append(try await fixture.enqueue("t")) }
        // Below an id, newest first
        #expect(try await store.jobs(JobFilter(beforeID: ids[3])).map(\.id) == [ids[2], ids[1], ids[0]])
        #expect(try await store.jobs(JobFilter(beforeID: ids[0])).isEmpty)
        // Only finished jobs are deleted (with their attempts); the others stay
        let done = try #require(try store.claim(queues: ["default"], worker: "w"))
        try store.succeed(done.lease, result: 1)
        let running = try #require(try store.claim(queues: ["default"], worker: "w"))
        #expect(try await store.revoke(id: ids[4]) == .revoked)
        let deleted = try await store.deleteFinished(ids: [done.id, running.id, ids[4], ids[3], "missing"])
        #expect(Set(deleted) == [done.id, ids[4]])
        #expect(try await store.job(id: done.id) == .notFound)
        #expect(try await store.job(id: ids[4]) == .notFound)
        #expect(try await store.countJobs(JobFilter()) == 3)
        #expect(try await store.deleteFinished(ids: []).isEmpty)
    }

    @Test(arguments: Backend.allCases)
    func listingsAndWorkers(backend: Backend) async throws {
        let fixture = try StoreFixture(backend)
        let first = try await fixture.enqueue("x")
        let second = try await fixture.enqueue("y")
        let later = try await fixture.enqueue("x", runAt: fixture.clock.now().addingTimeInterval(10))
        #expect(try await fixture.store.jobs(JobFilter()).map(\.id) == [later, second, first])
        #expect(try await fixture.store.jobs(JobFilter(name: "x")).map(\.id) == [later, first])
        #expect(try await fixture.store.jobs(JobFilter(limit: 1, offset: 1)).map(\.id) == [second])
        #expect(try await fixture.store.scheduled(limit: 10).map(\.id) == [later])
        _ = try fixture.store.claim(queues: ["default"], worker: "w")
        #expect(try await fixture.store.running().map(\.id) == [first])
        #expect(try await fixture.store.jobs(JobFilter(state: .started)).map(\.id) == [first])

        let now = fixture.clock.now()
        let info = WorkerInfo(name: "w", pid: 1, host: "h", startedAt: now, lastSeen: now, pools: [], registered: ["x"])
        try await fixture.store.heartbeat(info)
        #expect(try await fixture.store.workers(seenWithin: 10) == [info])
        fixture.clock.advance(by: 11)
        #expect(try await fixture.store.workers(seenWithin: 10).isEmpty)
        try await fixture.store.removeWorker(name: "w")
        #expect(try await fixture.store.workers(seenWithin: 100).isEmpty)
    }
}

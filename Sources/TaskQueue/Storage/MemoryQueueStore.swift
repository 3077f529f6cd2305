import Foundation
import Synchronization

/// The in-memory twin of `SQLiteQueueStore`: the same contract, no durability. Unit tests use
/// it with a `ManualClock` to check worker behaviour without files or sleeping.
public final class MemoryQueueStore: QueueStore {
    struct Storage {
        var jobs: [String: JobRecord] = [:]
        var tokens: [String: Int64] = [:]
        var idempotency: [String: (id: String, at: Date)] = [:]
        var workers: [String: WorkerInfo] = [:]
        var controls: [String: WorkerControl] = [:]
        /// The stats rollup: the accumulator's rows are the table.
        var stats = TaskStatsAccumulator()
        var paused: Set<String> = []
    }

    public let policy: StorePolicy
    let clock: any WallClock
    let storage = Mutex(Storage())
    /// Beat's schedules and runs (MemoryQueueStore+Schedules).
    let beat = Mutex(MemoryBeatState())
    /// Calls of `claim` (not the claims made with an ack): on a server each is a round trip.
    let claims = Atomic<Int>(0)

    public var claimCalls: Int { claims.load(ordering: .relaxed) }

    public init(policy: StorePolicy = StorePolicy(), clock: any WallClock = SystemClock()) {
        self.policy = policy
        self.clock = clock
    }

    public func enqueue(_ job: NewJob) async throws -> EnqueueResult {
        try job.validate(maxPayloadBytes: policy.maxPayloadBytes)
        let now = clock.now()
        return storage.withLock { storage in
            if let key = job.idempotencyKey, let earlier = storage.idempotency[key],
                now.timeIntervalSince(earlier.at) < policy.idempotencyWindow
            {
                return EnqueueResult(id: earlier.id, existing: true)
            }
            let id = Self.insert(job, into: &storage, now: now)
            if let key = job.idempotencyKey { storage.idempotency[key] = (id, now) }
            return EnqueueResult(id: id, existing: false)
        }
    }

    /// Adds a waiting job (no checks); used by `enqueue` and by beat.
    func insertJob(_ job: NewJob, now: Date) -> String {
        storage.withLock { Self.insert(job, into: &$0, now: now) }
    }

    private static func insert(_ job: NewJob, into storage: inout Storage, now: Date) -> String {
        let id = JobID.make(at: now)
        storage.jobs[id] = JobRecord(
            id: id, name: job.name, queue: job.queue, priority: job.priority, state: .pending, args: job.args,
            kwargs: job.kwargs, enqueuedAt: now, runAt: job.runAt ?? now, startedAt: nil, dateDone: nil,
            leaseUntil: nil, worker: nil, deliveries: 0, lostDeliveries: 0, retries: 0, meta: nil, result: nil,
            error: nil, revokeRequested: false, expiresAt: nil, attempts: [])
        storage.tokens[id] = 0
        return id
    }

    public func claim(queues: [String], excluding names: [String], worker: String) throws -> ClaimedJob? {
        claims.add(1, ordering: .relaxed)
        return try takeNext(queues: queues, excluding: names, worker: worker)
    }

    /// The claim itself, also made by `succeed(thenClaim:)`.
    private func takeNext(queues: [String], excluding names: [String], worker: String) throws -> ClaimedJob? {
        let now = clock.now()
        return storage.withLock { storage in
            reapLapsedLeases(&storage, now: now)
            let candidates = storage.jobs.values.filter {
                $0.state.isWaiting && queues.contains($0.queue) && !storage.paused.contains($0.queue) && $0.runAt <= now
                    && !names.contains($0.name)
            }
            guard
                var job = candidates.min(by: { a, b in
                    if a.priority != b.priority { return a.priority > b.priority }
                    if a.runAt != b.runAt { return a.runAt < b.runAt }
                    return a.id < b.id
                })
            else { return nil }
            guard case .moveTo(let next) = try? TaskStateMachine.transition(.claim, from: job.state) else { return nil }
            let token = (storage.tokens[job.id] ?? 0) + 1
            storage.tokens[job.id] = token
            job.state = next
            job.deliveries += 1
            job.worker = worker
            job.startedAt = now
            job.leaseUntil = now.addingTimeInterval(policy.visibilityTimeout)
            job.attempts.append(Attempt(delivery: job.deliveries, worker: worker, startedAt: now))
            storage.jobs[job.id] = job
            storage.stats.started(name: job.name, queue: job.queue, at: now, waited: now.timeIntervalSince(job.runAt))
            return ClaimedJob(
                id: job.id, name: job.name, argsJSON: JSONValue.array(job.args).jsonText,
                kwargsJSON: JSONValue.object(job.kwargs).jsonText, queue: job.queue,
                priority: job.priority, lease: Lease(jobID: job.id, token: token), deliveries: job.deliveries,
                retries: job.retries, enqueuedAt: job.enqueuedAt, runAt: job.runAt, leaseUntil: job.leaseUntil!)
        }
    }

    private func reapLapsedLeases(_ storage: inout Storage, now: Date) {
        for (id, var job) in storage.jobs where job.state.isRunning && (job.leaseUntil ?? now) < now {
            let final = job.lostDeliveries + 1 >= policy.maxDeliveries
            let event: TaskEvent = job.revokeRequested ? .stopRevoked : (final ? .leaseLostFinal : .leaseLost)
            guard case .moveTo(let next) = try? TaskStateMachine.transition(event, from: job.state) else { continue }
            job.lostDeliveries += 1
            closeAttempt(&job, outcome: .lost, error: nil, now: now)
            job.state = next
            job.leaseUntil = nil
            storage.tokens[id, default: 0] += 1
            if next == .failure {
                job.error = TaskErrorInfo(
                    type: "WorkerLost",
                    message: "the worker running this job was lost \(job.lostDeliveries) times (max_deliveries)")
                finish(&job, now: now)
                storage.stats.ended(.failed, name: job.name, queue: job.queue, at: now, ran: nil)
            } else if next == .revoked {
                finish(&job, now: now)
                storage.stats.ended(.revoked, name: job.name, queue: job.queue, at: now, ran: nil)
            }
            storage.jobs[id] = job
        }
    }

    private func closeAttempt(_ job: inout JobRecord, outcome: Attempt.Outcome, error: TaskErrorInfo?, now: Date) {
        guard let last = job.attempts.indices.last, job.attempts[last].outcome == nil else { return }
        job.attempts[last].outcome = outcome
        job.attempts[last].error = error
        job.attempts[last].finishedAt = now
    }

    private func finish(_ job: inout JobRecord, now: Date) {
        job.dateDone = now
        job.leaseUntil = nil
        let keep = job.state == .failure ? policy.failureRetention : policy.resultExpires
        job.expiresAt = now.addingTimeInterval(keep)
    }

    /// Applies a lease-holder event after checking the fencing token; an outcome in `counts`
    /// goes to the stats rollup with the delivery's runtime.
    private func holderWrite(
        _ lease: Lease, _ event: TaskEvent, counts outcome: TaskStatsRow.Outcome? = nil, _ update: (inout JobRecord, Date) -> Void
    ) throws {
        let now = clock.now()
        try storage.withLock { storage in
            guard var job = storage.jobs[lease.jobID], storage.tokens[lease.jobID] == lease.token,
                case .moveTo(let next) = try? TaskStateMachine.transition(event, from: job.state)
            else { throw QueueError.staleLease(lease.jobID) }
            job.state = next
            update(&job, now)
            storage.jobs[lease.jobID] = job
            if let outcome {
                storage.stats.ended(
                    outcome, name: job.name, queue: job.queue, at: now, ran: job.startedAt.map { now.timeIntervalSince($0) })
            }
            // Every holder event but progress ends the delivery: its token is spent.
            if event != .progress { storage.tokens[lease.jobID, default: 0] += 1 }
        }
    }

    public func renew(_ leases: [Lease]) async throws -> [Lease: LeaseStatus] {
        let now = clock.now()
        return storage.withLock { storage in
            var statuses: [Lease: LeaseStatus] = [:]
            for lease in leases {
                guard var job = storage.jobs[lease.jobID], storage.tokens[lease.jobID] == lease.token,
                    job.state.isRunning
                else {
                    statuses[lease] = .lost
                    continue
                }
                let until = now.addingTimeInterval(policy.visibilityTimeout)
                job.leaseUntil = until
                storage.jobs[lease.jobID] = job
                statuses[lease] = .held(until: until, revokeRequested: job.revokeRequested)
            }
            return statuses
        }
    }

    public func progress(_ lease: Lease, meta: JSONValue) throws {
        try holderWrite(lease, .progress) { job, _ in job.meta = meta }
    }

    public func succeed(
        _ lease: Lease, result: JSONValue, thenClaim queues: [String]?, excluding names: [String], worker: String
    ) throws -> ClaimedJob? {
        try holderWrite(lease, .succeed, counts: .succeeded) { job, now in
            job.result = result
            closeAttempt(&job, outcome: .success, error: nil, now: now)
            finish(&job, now: now)
        }
        guard let queues else { return nil }
        return try takeNext(queues: queues, excluding: names, worker: worker)
    }

    public func nextDelayedRun(queues: [String], after now: Date) throws -> Date? {
        storage.withLock { storage in
            storage.jobs.values.filter { $0.state.isWaiting && queues.contains($0.queue) && $0.runAt > now }.map(\.runAt).min()
        }
    }

    public func setPaused(queue: String, paused: Bool) async throws {
        storage.withLock { storage in
            if paused { storage.paused.insert(queue) } else { storage.paused.remove(queue) }
        }
    }

    public func pausedQueues() async throws -> Set<String> {
        storage.withLock { $0.paused }
    }

    public func retry(id: String) async throws -> RetryOutcome {
        let now = clock.now()
        return storage.withLock { storage in
            guard let original = storage.jobs[id], (original.expiresAt ?? .distantFuture) >= now else { return .notFound }
            guard original.state == .failure || original.state == .revoked else { return .notFinished(original.state) }
            if let retried = original.retriedAs { return .alreadyRetried(retried) }
            let newID = Self.insert(
                NewJob(name: original.name, args: original.args, kwargs: original.kwargs, queue: original.queue,
                    priority: original.priority), into: &storage, now: now)
            storage.jobs[newID]?.retryOf = id
            storage.jobs[id]?.retriedAs = newID
            return .created(newID)
        }
    }

    public func fail(_ lease: Lease, error: TaskErrorInfo) throws {
        try holderWrite(lease, .fail, counts: .failed) { job, now in
            job.error = error
            closeAttempt(&job, outcome: .failure, error: error, now: now)
            finish(&job, now: now)
        }
    }

    public func retry(_ lease: Lease, error: TaskErrorInfo, at: Date) throws {
        try holderWrite(lease, .retry, counts: .retried) { job, now in
            job.error = error
            job.retries += 1
            job.runAt = at
            job.leaseUntil = nil
            closeAttempt(&job, outcome: .retry, error: error, now: now)
        }
    }

    public func release(_ lease: Lease) throws {
        try holderWrite(lease, .release) { job, now in
            job.leaseUntil = nil
            closeAttempt(&job, outcome: .released, error: nil, now: now)
        }
    }

    public func failAbandoned(_ lease: Lease, error: TaskErrorInfo) async throws {
        try fail(lease, error: error)
    }

    public func releaseAbandoned(_ lease: Lease) async throws {
        try release(lease)
    }

    public func stopRevoked(_ lease: Lease) throws {
        try holderWrite(lease, .stopRevoked, counts: .revoked) { job, now in
            closeAttempt(&job, outcome: .revoked, error: nil, now: now)
            finish(&job, now: now)
        }
    }

    public func revoke(id: String) async throws -> TaskState? {
        let now = clock.now()
        return storage.withLock { storage in
            guard var job = storage.jobs[id] else { return nil }
            switch try? TaskStateMachine.transition(.revoke, from: job.state) {
            case .moveTo(let next):
                job.state = next
                job.revokeRequested = true
                finish(&job, now: now)
                storage.stats.ended(.revoked, name: job.name, queue: job.queue, at: now, ran: nil)
            case .flagRevoke:
                job.revokeRequested = true
            case .delete, nil:
                break
            }
            storage.jobs[id] = job
            return job.state
        }
    }

    public func purge(queue: String?) async throws -> Int {
        storage.withLock { storage in
            let doomed = storage.jobs.values.filter { job in
                (try? TaskStateMachine.transition(.purge, from: job.state)) == .delete
                    && (queue == nil || job.queue == queue)
            }
            for job in doomed { storage.jobs[job.id] = nil }
            return doomed.count
        }
    }

}

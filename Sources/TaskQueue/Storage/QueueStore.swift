import Foundation

/// The policy every backend applies to leases, deliveries and result lifetimes (DESIGN.md §3, §8).
public struct StorePolicy: Sendable, Equatable {
    /// Seconds a claim holds a job before it may be delivered again.
    public var visibilityTimeout: TimeInterval = 30
    /// Claims whose lease lapsed before the job fails with `WorkerLost`.
    public var maxDeliveries: Int = 5
    /// Seconds `SUCCESS` and `REVOKED` results are kept.
    public var resultExpires: TimeInterval = 3600
    /// Seconds `FAILURE` jobs are kept as dead letters.
    public var failureRetention: TimeInterval = 604_800
    /// Largest accepted message (`name` + JSON `args` + JSON `kwargs`).
    public var maxPayloadBytes: Int = 1 << 20
    /// How long an `Idempotency-Key` maps to its task id.
    public var idempotencyWindow: TimeInterval = 86_400

    public init() {}
}

/// The narrow storage contract of the queue. `SQLiteQueueStore` is the durable backend,
/// `MemoryQueueStore` its in-memory twin for unit tests; a PostgreSQL backend is one more
/// conformance. Every method is one atomic transition, committed before it returns.
///
/// The lease holder's operations (claim, progress, ack, fail, retry, release) are synchronous:
/// they run on a worker slot's own thread, which may block, and so cost no thread hop. Every
/// other operation is async and never blocks a cooperative thread. Lease-holder writes are
/// fenced: a `Lease` whose token is not the job's current one is refused with
/// `QueueError.staleLease`.
public protocol QueueStore: Sendable {
    var policy: StorePolicy { get }

    /// Stores a job and returns its id once committed.
    func enqueue(_ job: NewJob) async throws -> EnqueueResult

    // MARK: The lease holder (worker threads; may block)

    /// Claims the most urgent due job of `queues` (priority, then due time, then id), first
    /// giving lapsed leases back (or failing them with `WorkerLost` after `maxDeliveries`).
    /// Paused queues and jobs named in `excluding` (rate-limited task names) are skipped.
    func claim(queues: [String], excluding names: [String], worker: String) throws -> ClaimedJob?

    /// Records progress `meta` (state `PROGRESS`).
    func progress(_ lease: Lease, meta: JSONValue) throws

    /// Late ack: the body returned `result`. With `thenClaim`, the slot's next job is claimed
    /// from those queues in the same transaction (one commit per job instead of two); a
    /// refused ack claims nothing.
    func succeed(_ lease: Lease, result: JSONValue, thenClaim queues: [String]?, excluding names: [String], worker: String)
        throws -> ClaimedJob?

    /// When the earliest delayed job (ETA, countdown, retry) of `queues` becomes due; idle
    /// slots sleep until then.
    func nextDelayedRun(queues: [String], after now: Date) throws -> Date?

    /// The job failed for good.
    func fail(_ lease: Lease, error: TaskErrorInfo) throws

    /// The attempt failed with a retryable error; the job waits in `RETRY` until `at`.
    func retry(_ lease: Lease, error: TaskErrorInfo, at: Date) throws

    /// Gives the job back without counting a lost delivery (shutdown).
    func release(_ lease: Lease) throws

    /// The body of a revoked job stopped: the job becomes `REVOKED`.
    func stopRevoked(_ lease: Lease) throws

    // MARK: Supervision and management

    /// Extends each lease by `visibilityTimeout` and reports whether a revoke was requested.
    func renew(_ leases: [Lease]) async throws -> [Lease: LeaseStatus]

    /// Fails a running job whose body outlived its hard time limit. Fenced like an ack, so the
    /// abandoned body's later writes are refused.
    func failAbandoned(_ lease: Lease, error: TaskErrorInfo) async throws

    /// Gives back jobs whose bodies were abandoned at shutdown.
    func releaseAbandoned(_ lease: Lease) async throws

    /// Revokes a job: waiting → `REVOKED` at once; running → flagged. Returns the state
    /// after the call, or nil for an unknown id.
    func revoke(id: String) async throws -> TaskState?

    /// Deletes waiting jobs (`PENDING` incl. delayed, and `RETRY`) of one queue or all.
    func purge(queue: String?) async throws -> Int

    /// Which of `ids` have a revoke request (read by workers about their running jobs).
    func revokeRequested(among ids: [String]) async throws -> Set<String>

    func job(id: String) async throws -> JobLookup
    /// Newest first.
    func jobs(_ filter: JobFilter) async throws -> [JobRecord]
    /// How many jobs match `filter` (its limit and offset ignored).
    func countJobs(_ filter: JobFilter) async throws -> Int
    /// Waiting, delayed, running, retrying and failed counts per queue, by queue name.
    func queueStats() async throws -> [QueueStats]
    /// Jobs per queue and state (for metrics).
    func countsByQueueAndState() async throws -> [String: [TaskState: Int]]
    /// Throws if the storage cannot be read.
    func healthCheck() async throws
    /// Waiting jobs whose due time is in the future, soonest first.
    func scheduled(limit: Int) async throws -> [JobRecord]
    /// Jobs held by a live lease.
    func running() async throws -> [JobRecord]

    /// Deletes up to `limit` jobs whose results expired; returns how many.
    func deleteExpired(limit: Int) async throws -> Int

    // MARK: Queues and dead letters

    /// Pauses (no claims from it; running jobs finish) or resumes a queue. Persisted.
    func setPaused(queue: String, paused: Bool) async throws
    func pausedQueues() async throws -> Set<String>
    /// Re-enqueues a `FAILURE` or `REVOKED` job as a new task linked to it both ways.
    func retry(id: String) async throws -> RetryOutcome

    // MARK: Beat (DESIGN.md §4)

    /// Stores the configured schedules: new or changed ones are timed from now (and lose any
    /// API override), unchanged ones keep their next run, missing ones are disabled.
    func syncSchedules(_ definitions: [ScheduleDefinition]) async throws
    func schedules() async throws -> [ScheduleRecord]
    /// The earliest next run of an enabled schedule.
    func nextScheduleDue() async throws -> Date?
    /// Enqueues every due run exactly once across processes (a unique (schedule, due) row in
    /// the enqueue's transaction); missed runs coalesce into one. Returns the runs this call
    /// enqueued.
    func fireDueSchedules() async throws -> [ScheduleRun]
    /// Enqueues a schedule's task now (its timing unchanged); nil for an unknown name.
    func runScheduleNow(name: String) async throws -> ScheduleRun?
    /// Enables or disables a schedule until its configuration changes; nil for an unknown name.
    func setScheduleEnabled(name: String, enabled: Bool) async throws -> ScheduleRecord?

    func heartbeat(_ worker: WorkerInfo) async throws
    func removeWorker(name: String) async throws
    /// Workers whose last heartbeat is newer than `seenWithin` seconds.
    func workers(seenWithin: TimeInterval) async throws -> [WorkerInfo]
}

extension QueueStore {
    /// Late ack without claiming a next job.
    public func succeed(_ lease: Lease, result: JSONValue) throws {
        _ = try succeed(lease, result: result, thenClaim: nil, excluding: [], worker: "")
    }

    public func succeed(_ lease: Lease, result: JSONValue, thenClaim queues: [String]?, worker: String) throws -> ClaimedJob? {
        try succeed(lease, result: result, thenClaim: queues, excluding: [], worker: worker)
    }

    public func claim(queues: [String], worker: String) throws -> ClaimedJob? {
        try claim(queues: queues, excluding: [], worker: worker)
    }

    /// Renews one lease.
    public func renew(_ lease: Lease) async throws -> LeaseStatus {
        try await renew([lease])[lease] ?? .lost
    }
}

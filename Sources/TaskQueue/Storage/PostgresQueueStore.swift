import Common
import Dispatch
import Foundation
import PostgresNIO
import PostgresSupport
import Synchronization

/// The queue on PostgreSQL (DESIGN.md §14): the same contract as `SQLiteQueueStore`, for several
/// processes on several hosts sharing one server. Each transition is one short transaction,
/// mostly one statement (ack and the next claim included); claims take their job with
/// `FOR UPDATE SKIP LOCKED`, so concurrent claimers never wait for one another. Times are bound
/// from the store's clock, never the server's `now()`, so that leases, ETAs and beat share the
/// clock the rest of the process uses. Every failure leaves as a `QueueError`
/// (`PostgresFault`).
public final class PostgresQueueStore: QueueStore {
    public let policy: StorePolicy
    let pool: PostgresPool
    let clock: any WallClock
    /// When lapsed leases were last given back by this process.
    let lastReap = Mutex(Date.distantPast)
    /// The stats rollup's counts not yet written: one upsert per minute, name and queue at most
    /// every 250 ms, not one per transition (each ack would update the same row).
    let heldStats = Mutex(HeldStats())

    struct HeldStats {
        var accumulator = TaskStatsAccumulator()
        var flushScheduled = false
    }

    static let statsWriteInterval: TimeInterval = 0.25
    /// Tells the other processes' idle slots that a queue has a job (`PostgresWakeups`).
    let notifier = PostgresNotifier()

    /// Connects (the pool opens connections on demand) and applies the queue's migrations.
    public init(pool: PostgresPool, policy: StorePolicy = StorePolicy(), clock: any WallClock = SystemClock()) throws {
        self.pool = pool
        self.policy = policy
        self.clock = clock
        do { try Self.migrator.migrate(pool) } catch { throw Self.queueError(error) }
    }

    // MARK: Storage access: every failure leaves as a QueueError

    /// A statement or several on one connection, from a thread that may block.
    func sessionSync<T>(_ body: (PostgresSession) throws -> T) throws -> T {
        do { return try pool.withSession(body) } catch { throw Self.queueError(error) }
    }

    func transactionSync<T>(_ body: (PostgresSession) throws -> T) throws -> T {
        do { return try pool.transaction(body) } catch { throw Self.queueError(error) }
    }

    func session<T: Sendable>(_ body: @escaping @Sendable (PostgresSession) throws -> T) async throws -> T {
        do { return try await pool.run { try self.pool.withSession(body) } } catch { throw Self.queueError(error) }
    }

    func transaction<T: Sendable>(_ body: @escaping @Sendable (PostgresSession) throws -> T) async throws -> T {
        do { return try await pool.run { try self.pool.transaction(body) } } catch { throw Self.queueError(error) }
    }

    public static func queueError(_ error: any Error) -> any Error {
        if error is QueueError { return error }
        if let fault = PostgresFault.classify(error) { return QueueError.storage(fault, cause: SendableError(error)) }
        if PostgresFault.isConstraint(error) {
            return QueueError.constraint(
                "the write conflicts with a stored job: \(PostgresFault.message(error))", cause: SendableError(error))
        }
        return QueueError.storage("the queue database failed: \(PostgresFault.message(error))", cause: SendableError(error))
    }

    // MARK: Enqueue

    public func enqueue(_ job: NewJob) async throws -> EnqueueResult {
        try job.validate(maxPayloadBytes: policy.maxPayloadBytes)
        let now = clock.now()
        let window = policy.idempotencyWindow
        let args = JSONValue.array(job.args).jsonText
        let kwargs = JSONValue.object(job.kwargs).jsonText
        let notify = isDue(job, at: now) && notifier.notifyNow(job.queue) { [weak self] in self?.notifyJobs(in: job.queue) }
        guard let key = job.idempotencyKey else {
            return try await session { session in
                EnqueueResult(id: try Self.insertJob(session, job, args: args, kwargs: kwargs, now: now, notify: notify), existing: false)
            }
        }
        return try await transaction { session in
            // The key's row is locked first: two requests with one key make one job.
            try session.execute(
                """
                INSERT INTO idempotency_keys (key, job_id, created_at) VALUES (\(key), '', \(now.timeIntervalSince1970))
                ON CONFLICT (key) DO NOTHING
                """)
            let row = try session.first("SELECT job_id, created_at FROM idempotency_keys WHERE key = \(key) FOR UPDATE")
            if let row, try !row.get("job_id", as: String.self).isEmpty,
                now.timeIntervalSince1970 - (try row.get("created_at", as: Double.self)) < window
            {
                return EnqueueResult(id: try row.get("job_id"), existing: true)
            }
            let id = try Self.insertJob(session, job, args: args, kwargs: kwargs, now: now, notify: notify)
            try session.execute(
                "UPDATE idempotency_keys SET job_id = \(id), created_at = \(now.timeIntervalSince1970) WHERE key = \(key)")
            return EnqueueResult(id: id, existing: false)
        }
    }

    /// Inserts a `PENDING` job in the session's transaction; returns its id. With `notify`, the
    /// same statement wakes the listening processes (at commit).
    static func insertJob(
        _ session: PostgresSession, _ job: NewJob, args: String, kwargs: String, now: Date, notify: Bool = false
    ) throws -> String {
        let id = JobID.make(at: now)
        let runAt = (job.runAt ?? now).timeIntervalSince1970
        let insert: PostgresQuery = """
            INSERT INTO jobs (id, name, queue, priority, state, args, kwargs, enqueued_at, run_at)
            VALUES (\(id), \(job.name), \(job.queue), \(job.priority), 'PENDING', \(args), \(kwargs), \(now.timeIntervalSince1970), \(runAt))
            """
        guard notify else {
            try session.execute(insert)
            return id
        }
        try session.execute(
            PostgresQuery(
                unsafeSQL: "WITH inserted AS (\(insert.sql) RETURNING queue) SELECT pg_notify('\(PostgresWakeups.channel)', current_schema() || ' ' || queue) FROM inserted",
                binds: insert.binds))
        return id
    }

    /// Whether `job` may be claimed as soon as it is stored (not delayed).
    func isDue(_ job: NewJob, at now: Date) -> Bool { (job.runAt ?? now) <= now }

    /// Wakes the listening processes for `queue` in a statement of its own.
    func notifyJobs(in queue: String) {
        _ = try? sessionSync { session in try session.execute("SELECT pg_notify(\(PostgresWakeups.channel), current_schema() || ' ' || \(queue))") }
    }

    // MARK: Stats rollup

    /// Adds to the held stats; a write within `statsWriteInterval` carries them.
    func holdStats(_ change: (inout TaskStatsAccumulator) -> Void) {
        let schedule = heldStats.withLock { held -> Bool in
            change(&held.accumulator)
            guard !held.accumulator.isEmpty, !held.flushScheduled else { return false }
            held.flushScheduled = true
            return true
        }
        guard schedule else { return }
        DispatchQueue.global().asyncAfter(deadline: .now() + Self.statsWriteInterval) { [weak self] in
            try? self?.flushStats()
        }
    }

    /// Writes the held stats now, one upsert per minute, task name and queue.
    func flushStats() throws {
        let rows = heldStats.withLock { held -> [TaskStatsRow] in
            held.flushScheduled = false
            return held.accumulator.take()
        }
        guard !rows.isEmpty else { return }
        do {
            try sessionSync { session in
                for row in rows { try session.execute(Self.addStats(row)) }
            }
        } catch {
            // Kept for the next write rather than lost with a failed one.
            heldStats.withLock { held in for row in rows { held.accumulator.add(row) } }
            throw error
        }
    }

    private static func addStats(_ row: TaskStatsRow) -> PostgresQuery {
        let buckets = (0..<DurationHistogram.bucketCount).flatMap { ["r\($0)", "w\($0)"] }
        let added = ["succeeded", "failed", "retried", "revoked", "runtime_sum", "wait_sum"] + buckets
        let columns = ["minute", "name", "queue"] + added + ["runtime_max", "wait_max"]
        var binds = PostgresBindings()
        binds.append(row.key.minute)
        binds.append(row.key.name)
        binds.append(row.key.queue)
        for count in [row.succeeded, row.failed, row.retried, row.revoked] { binds.append(count) }
        binds.append(row.runtime.sum)
        binds.append(row.wait.sum)
        for bucket in 0..<DurationHistogram.bucketCount {
            binds.append(row.runtime.counts[bucket])
            binds.append(row.wait.counts[bucket])
        }
        binds.append(row.runtime.max)
        binds.append(row.wait.max)
        let sql = """
            INSERT INTO task_stats (\(columns.joined(separator: ", ")))
            VALUES (\((1...columns.count).map { "$\($0)" }.joined(separator: ", ")))
            ON CONFLICT (minute, name, queue) DO UPDATE SET
            \(added.map { "\($0) = task_stats.\($0) + excluded.\($0)" }.joined(separator: ", ")),
            runtime_max = GREATEST(task_stats.runtime_max, excluded.runtime_max),
            wait_max = GREATEST(task_stats.wait_max, excluded.wait_max)
            """
        return PostgresQuery(unsafeSQL: sql, binds: binds)
    }
}

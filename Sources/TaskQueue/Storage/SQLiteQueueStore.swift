import Foundation
import GRDB
import Synchronization

/// The durable queue in `queue.sqlite` (DESIGN.md §3). Writes go through one
/// `GroupCommitWriter` per process; reads use the WAL reader pool and never wait for writes.
public final class SQLiteQueueStore: QueueStore {
    public let policy: StorePolicy
    public let pool: DatabasePool
    let writer: GroupCommitWriter
    /// Checkpoints the WAL outside the writer's transactions.
    private let checkpointer: WALCheckpointer?
    private let clock: any WallClock
    /// When lapsed leases were last given back by this process.
    private let lastReap = Mutex(Date.distantPast)
    /// Queues where a look found no delayed job, forgotten when this process delays a job.
    /// Idle slots skip the look for these (a delayed job enqueued by another process is then
    /// found by the `poll_interval` claim).
    let noDelayedJobs = Mutex<Set<String>>([])

    /// Opens (creating and migrating if needed) the queue database at `path`.
    public init(
        path: String, options: SQLiteOptions = SQLiteOptions(), policy: StorePolicy = StorePolicy(),
        clock: any WallClock = SystemClock()
    ) throws {
        (self.pool, self.checkpointer) = try SQLiteDatabase.openWithCheckpointer(
            path: path, options: options, migrator: Self.migrator)
        self.writer = GroupCommitWriter(pool: pool)
        self.policy = policy
        self.clock = clock
    }

    func clockNow() -> Date { clock.now() }

    /// The longest write transaction of this process so far, in seconds.
    public var longestTransaction: Double { writer.longestTransaction }

    /// Write transactions, writes and seconds spent inside write transactions so far.
    public var writeStatistics: (transactions: Int, writes: Int, busySeconds: Double) { writer.statistics }

    // MARK: Enqueue

    public func enqueue(_ job: NewJob) async throws -> EnqueueResult {
        try job.validate(maxPayloadBytes: policy.maxPayloadBytes)
        let now = clock.now()
        if let runAt = job.runAt, runAt > now { noDelayedJobs.withLock { $0.removeAll() } }
        let policy = self.policy
        let args = JSONValue.array(job.args).jsonText
        let kwargs = JSONValue.object(job.kwargs).jsonText
        return try await writer.write { db in
            if let key = job.idempotencyKey,
                let row = try Row.fetchOne(
                    db.cachedStatement(sql: "SELECT job_id, created_at FROM idempotency_keys WHERE key = ?"),
                    arguments: [key]),
                now.timeIntervalSince1970 - (row["created_at"] as Double) < policy.idempotencyWindow
            {
                return EnqueueResult(id: row["job_id"], existing: true)
            }
            let id = try Self.insertJob(db, job, args: args, kwargs: kwargs, now: now)
            if let key = job.idempotencyKey {
                try db.cachedStatement(
                    sql: "INSERT OR REPLACE INTO idempotency_keys (key, job_id, created_at) VALUES (?, ?, ?)"
                ).execute(arguments: [key, id, now.timeIntervalSince1970])
            }
            return EnqueueResult(id: id, existing: false)
        }
    }

    /// Inserts a `PENDING` job inside the caller's transaction; returns its id.
    static func insertJob(_ db: Database, _ job: NewJob, args: String, kwargs: String, now: Date) throws -> String {
        let id = JobID.make(at: now)
        try db.cachedStatement(
            sql: """
                INSERT INTO jobs (id, name, queue, priority, state, args, kwargs, enqueued_at, run_at)
                VALUES (?, ?, ?, ?, 'PENDING', ?, ?, ?, ?)
                """
        ).execute(arguments: [
            id, job.name, job.queue, job.priority, args, kwargs, now.timeIntervalSince1970,
            (job.runAt ?? now).timeIntervalSince1970,
        ])
        return id
    }

    // MARK: Claim

    public func claim(queues: [String], excluding names: [String], worker: String) throws -> ClaimedJob? {
        try writer.writeSync { db in try self.claimJob(db, queues: queues, excluding: names, worker: worker) }
    }

    /// The claim inside a write transaction: reap lapsed leases (at most once a second), pick
    /// the best due job, take its lease with a fresh token, open its attempt.
    private func claimJob(_ db: Database, queues: [String], excluding names: [String], worker: String) throws -> ClaimedJob? {
        let now = clock.now()
        let reapDue = lastReap.withLock { last -> Bool in
            guard abs(now.timeIntervalSince(last)) >= 1 else { return false }
            last = now
            return true
        }
        if reapDue { try Self.reapLapsedLeases(db, now: now, policy: policy) }
        let hot = try writer.hotStatements(db)
        let paused = try hot.paused()
        let open = paused.isEmpty ? queues : queues.filter { !paused.contains($0) }
        guard let id = try hot.bestDueJob(queues: open, excluding: names, now: now.timeIntervalSince1970) else { return nil }
        return try hot.claim(
            id: id, worker: worker, now: now.timeIntervalSince1970,
            leaseUntil: now.addingTimeInterval(policy.visibilityTimeout).timeIntervalSince1970)
    }

    /// Gives lapsed leases back: `PENDING` again, or `FAILURE` (`WorkerLost`) after
    /// `maxDeliveries` lapses, or `REVOKED` if a revoke was waiting for the body to stop.
    static func reapLapsedLeases(_ db: Database, now: Date, policy: StorePolicy) throws {
        let lapsed = try Row.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT id, lost_deliveries, revoke_requested FROM jobs INDEXED BY jobs_leased
                    WHERE state IN ('STARTED','PROGRESS') AND lease_until < ?
                    """), arguments: [now.timeIntervalSince1970])
        for row in lapsed {
            let id: String = row["id"]
            let lost: Int = row["lost_deliveries"] + 1
            let event: TaskEvent =
                (row["revoke_requested"] as Bool) ? .stopRevoked : (lost >= policy.maxDeliveries ? .leaseLostFinal : .leaseLost)
            try db.cachedStatement(
                sql: "UPDATE attempts SET outcome = 'LOST', finished_at = ? WHERE job_id = ? AND outcome IS NULL"
            ).execute(arguments: [now.timeIntervalSince1970, id])
            switch event {
            case .leaseLostFinal:
                let error = TaskErrorInfo(
                    type: "WorkerLost", message: "the worker running this job was lost \(lost) times (max_deliveries)")
                try db.cachedStatement(
                    sql: """
                        UPDATE jobs SET state = 'FAILURE', lost_deliveries = ?, token = token + 1, lease_until = NULL,
                            error = ?, date_done = ?, expires_at = ?
                        WHERE id = ? AND \(TaskStateMachine.sqlCondition(of: .leaseLostFinal))
                        """
                ).execute(arguments: [
                    lost, encode(error), now.timeIntervalSince1970,
                    now.addingTimeInterval(policy.failureRetention).timeIntervalSince1970, id,
                ])
            case .stopRevoked:
                try db.cachedStatement(
                    sql: """
                        UPDATE jobs SET state = 'REVOKED', lost_deliveries = ?, token = token + 1, lease_until = NULL,
                            date_done = ?, expires_at = ?
                        WHERE id = ? AND \(TaskStateMachine.sqlCondition(of: .stopRevoked))
                        """
                ).execute(arguments: [
                    lost, now.timeIntervalSince1970,
                    now.addingTimeInterval(policy.resultExpires).timeIntervalSince1970, id,
                ])
            default:
                try db.cachedStatement(
                    sql: """
                        UPDATE jobs SET state = 'PENDING', lost_deliveries = ?, token = token + 1, lease_until = NULL
                        WHERE id = ? AND \(TaskStateMachine.sqlCondition(of: .leaseLost))
                        """
                ).execute(arguments: [lost, id])
            }
        }
    }

    // MARK: Lease-holder writes (fenced by the token)

    public func renew(_ leases: [Lease]) async throws -> [Lease: LeaseStatus] {
        let clock = self.clock
        let timeout = policy.visibilityTimeout
        return try await writer.write { db in
            let until = clock.now().addingTimeInterval(timeout)
            var statuses: [Lease: LeaseStatus] = [:]
            let statement = try db.cachedStatement(
                sql: """
                    UPDATE jobs SET lease_until = ?
                    WHERE id = ? AND token = ? AND state IN ('STARTED','PROGRESS')
                    RETURNING revoke_requested
                    """)
            for lease in leases {
                let revoke = try Bool.fetchOne(
                    statement, arguments: [until.timeIntervalSince1970, lease.jobID, lease.token])
                statuses[lease] = revoke.map { .held(until: until, revokeRequested: $0) } ?? .lost
            }
            return statuses
        }
    }

    public func progress(_ lease: Lease, meta: JSONValue) throws {
        let update = holderUpdate(
            lease, event: .progress, set: "state = 'PROGRESS', meta = ?", arguments: [meta.jsonText], attempt: nil)
        try writer.writeSync(update)
    }

    public func succeed(
        _ lease: Lease, result: JSONValue, thenClaim queues: [String]?, excluding names: [String], worker: String
    ) throws -> ClaimedJob?
    {
        let now = clock.now()
        let expires = now.addingTimeInterval(policy.resultExpires).timeIntervalSince1970
        let text = result.jsonText
        return try writer.writeSync { db in
            let hot = try self.writer.hotStatements(db)
            guard try hot.succeed(lease, result: text, now: now.timeIntervalSince1970, expires: expires) else {
                throw QueueError.staleLease(lease.jobID)
            }
            guard let queues else { return nil }
            return try self.claimJob(db, queues: queues, excluding: names, worker: worker)
        }
    }

    public func fail(_ lease: Lease, error: TaskErrorInfo) throws {
        try writer.writeSync(failure(lease, error: error))
    }

    public func failAbandoned(_ lease: Lease, error: TaskErrorInfo) async throws {
        try await writer.write(failure(lease, error: error))
    }

    private func failure(_ lease: Lease, error: TaskErrorInfo) -> @Sendable (Database) throws -> Void {
        let now = clock.now()
        return holderUpdate(
            lease, event: .fail,
            set: "state = 'FAILURE', error = ?, date_done = ?, expires_at = ?, lease_until = NULL, token = token + 1",
            arguments: [
                Self.encode(error), now.timeIntervalSince1970,
                now.addingTimeInterval(policy.failureRetention).timeIntervalSince1970,
            ],
            attempt: (.failure, error, now))
    }

    public func retry(_ lease: Lease, error: TaskErrorInfo, at: Date) throws {
        noDelayedJobs.withLock { $0.removeAll() }
        try writer.writeSync(
            holderUpdate(
                lease, event: .retry,
                set: "state = 'RETRY', error = ?, run_at = ?, retries = retries + 1, lease_until = NULL, token = token + 1",
                arguments: [Self.encode(error), at.timeIntervalSince1970],
                attempt: (.retry, error, clock.now())))
    }

    public func release(_ lease: Lease) throws {
        try writer.writeSync(releasing(lease))
    }

    public func releaseAbandoned(_ lease: Lease) async throws {
        try await writer.write(releasing(lease))
    }

    private func releasing(_ lease: Lease) -> @Sendable (Database) throws -> Void {
        holderUpdate(
            lease, event: .release, set: "state = 'PENDING', lease_until = NULL, token = token + 1", arguments: [],
            attempt: (.released, nil, clock.now()))
    }

    public func stopRevoked(_ lease: Lease) throws {
        let now = clock.now()
        try writer.writeSync(
            holderUpdate(
                lease, event: .stopRevoked,
                set: "state = 'REVOKED', date_done = ?, expires_at = ?, lease_until = NULL, token = token + 1",
                arguments: [
                    now.timeIntervalSince1970, now.addingTimeInterval(policy.resultExpires).timeIntervalSince1970,
                ],
                attempt: (.revoked, nil, now)))
    }

    /// One fenced update: applies only if `lease` is the job's current delivery and the state
    /// machine allows `event` from the job's state; otherwise `QueueError.staleLease`.
    private func holderUpdate(
        _ lease: Lease, event: TaskEvent, set assignments: String, arguments: [(any DatabaseValueConvertible)?],
        attempt: (Attempt.Outcome, TaskErrorInfo?, Date)?
    ) -> @Sendable (Database) throws -> Void {
        let sql = """
            UPDATE jobs SET \(assignments)
            WHERE id = ? AND token = ? AND \(TaskStateMachine.sqlCondition(of: event))
            """
        let values = StatementArguments(arguments + [lease.jobID, lease.token])
        let attemptValues = attempt.map { outcome, error, now in
            let values: [(any DatabaseValueConvertible)?] = [
                outcome.rawValue, now.timeIntervalSince1970, error.map(Self.encode), lease.jobID, lease.token,
            ]
            return StatementArguments(values)
        }
        return { db in
            try db.cachedStatement(sql: sql).execute(arguments: values)
            guard db.changesCount == 1 else { throw QueueError.staleLease(lease.jobID) }
            if let attemptValues {
                try db.cachedStatement(
                    sql: "UPDATE attempts SET outcome = ?, finished_at = ?, error = ? WHERE job_id = ? AND token = ?"
                ).execute(arguments: attemptValues)
            }
        }
    }

    // MARK: Management

    public func revoke(id: String) async throws -> TaskState? {
        let now = clock.now()
        let expires = now.addingTimeInterval(policy.resultExpires).timeIntervalSince1970
        return try await writer.write { db in
            guard let raw = try String.fetchOne(db.cachedStatement(sql: "SELECT state FROM jobs WHERE id = ?"), arguments: [id]),
                let state = TaskState(rawValue: raw)
            else { return nil }
            switch try? TaskStateMachine.transition(.revoke, from: state) {
            case .moveTo(let next):
                try db.cachedStatement(
                    sql: """
                        UPDATE jobs SET state = ?, revoke_requested = 1, date_done = ?, expires_at = ?, token = token + 1
                        WHERE id = ?
                        """
                ).execute(arguments: [next.rawValue, now.timeIntervalSince1970, expires, id])
                return next
            case .flagRevoke:
                try db.cachedStatement(sql: "UPDATE jobs SET revoke_requested = 1 WHERE id = ?").execute(arguments: [id])
                return state
            case .delete, nil:
                return state
            }
        }
    }

    public func purge(queue: String?) async throws -> Int {
        try await writer.write { db in
            let condition = TaskStateMachine.sqlCondition(of: .purge)
            if let queue {
                try db.execute(sql: "DELETE FROM jobs WHERE \(condition) AND queue = ?", arguments: [queue])
            } else {
                try db.execute(sql: "DELETE FROM jobs WHERE \(condition)")
            }
            return db.changesCount
        }
    }

    public func deleteExpired(limit: Int) async throws -> Int {
        let now = clock.now().timeIntervalSince1970
        return try await writer.write { db in
            let ids = try String.fetchAll(
                db.cachedStatement(sql: "SELECT id FROM jobs WHERE expires_at < ? ORDER BY expires_at LIMIT ?"),
                arguments: [now, limit])
            for id in ids {
                try db.cachedStatement(sql: "DELETE FROM jobs WHERE id = ?").execute(arguments: [id])
                try db.cachedStatement(sql: "DELETE FROM attempts WHERE job_id = ?").execute(arguments: [id])
            }
            try db.cachedStatement(sql: "DELETE FROM idempotency_keys WHERE created_at < ?")
                .execute(arguments: [now - 86_400])
            // A schedule's runs only guard against a second enqueue of the same due time.
            try db.cachedStatement(sql: "DELETE FROM schedule_runs WHERE due < ?").execute(arguments: [now - 7 * 86_400])
            return ids.count
        }
    }

    // MARK: Workers

    public func heartbeat(_ worker: WorkerInfo) async throws {
        let info = try String(decoding: Self.encoder.encode(worker), as: UTF8.self)
        try await writer.write { db in
            try db.cachedStatement(sql: "INSERT OR REPLACE INTO workers (name, last_seen, info) VALUES (?, ?, ?)")
                .execute(arguments: [worker.name, worker.lastSeen.timeIntervalSince1970, info])
        }
    }

    public func removeWorker(name: String) async throws {
        try await writer.write { db in
            try db.cachedStatement(sql: "DELETE FROM workers WHERE name = ?").execute(arguments: [name])
        }
    }

    public func workers(seenWithin: TimeInterval) async throws -> [WorkerInfo] {
        let since = clock.now().timeIntervalSince1970 - seenWithin
        return try await pool.read { db in
            try String.fetchAll(db, sql: "SELECT info FROM workers WHERE last_seen >= ? ORDER BY name", arguments: [since])
                .compactMap { try? Self.decoder.decode(WorkerInfo.self, from: Data($0.utf8)) }
        }
    }
}

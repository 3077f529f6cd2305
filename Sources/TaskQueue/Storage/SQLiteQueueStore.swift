import Foundation
import GRDB
import SQLiteSupport
import Synchronization

/// The durable queue in `queue.sqlite` (DESIGN.md §3). Writes go through one
/// `GroupCommitWriter` per process; reads use the WAL reader pool and never wait for writes.
/// Every failure leaves as a `QueueError`: SQLite's codes, completed by what the filesystem
/// says, become backend-neutral storage codes (`SQLiteFault`).
public final class SQLiteQueueStore: QueueStore, OnlineBackup {
    public let policy: StorePolicy
    let pool: DatabasePool
    let writer: GroupCommitWriter
    /// Writes stats the group transactions held back (`HotStatements.willCommit`).
    let statsFlush: StatsFlushTimer
    /// Checkpoints the WAL outside the writer's transactions: a service the application runs
    /// (nil when opened read-only).
    public let checkpointer: WALCheckpointer?
    /// Asked why a write failed, when SQLite only says "I/O error".
    private let probe: StorageProbe
    let clock: any WallClock
    /// When lapsed leases were last given back by this process.
    let lastReap = Mutex(Date.distantPast)
    /// Queues where a look found no delayed job, forgotten when this process delays a job.
    /// Idle slots skip the look for these (a delayed job enqueued by another process is then
    /// found by the `poll_interval` claim).
    let noDelayedJobs = Mutex<Set<String>>([])

    /// Opens (creating and migrating if needed) the queue database at `path`. `probe` says why
    /// the directory cannot be written when a write fails (default: the file's own directory).
    public init(
        path: String, options: SQLiteOptions = SQLiteOptions(), policy: StorePolicy = StorePolicy(),
        clock: any WallClock = SystemClock(), probe: StorageProbe? = nil
    ) throws {
        let probe = probe ?? StorageProbe(databases: [path])
        do {
            (self.pool, self.checkpointer) = try SQLiteDatabase.openWithCheckpointer(
                path: path, options: options, migrator: Self.migrator)
        } catch {
            throw Self.queueError(error, probe: probe)
        }
        let statsFlush = StatsFlushTimer()
        self.writer = GroupCommitWriter(pool: pool) { db in try HotStatements(db, statsFlush: statsFlush) }
        statsFlush.attach(writer)
        self.statsFlush = statsFlush
        self.policy = policy
        self.clock = clock
        self.probe = probe
    }

    func clockNow() -> Date { clock.now() }

    /// The longest write transaction of this process so far, in seconds.
    public var longestTransaction: Double { writer.longestTransaction }

    /// Write transactions, writes and seconds spent inside write transactions so far.
    public var writeStatistics: (transactions: Int, writes: Int, busySeconds: Double) { writer.statistics }

    public func backup(to path: String) throws -> Int {
        do { return try SQLiteBackup.copy(pool, to: path) } catch { throw queueError(error) }
    }

    // MARK: Storage access: every failure leaves as a QueueError

    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do { return try await pool.read(body) } catch { throw queueError(error) }
    }

    func readSync<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try pool.read(body) } catch { throw queueError(error) }
    }

    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do { return try await writer.write(body) } catch { throw queueError(error) }
    }

    func writeSync<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) throws -> T {
        do { return try writer.writeSync(body) } catch { throw queueError(error) }
    }

    /// The queue's prepared statements on the writer connection (call inside a write).
    func hotStatements(_ db: Database) throws -> HotStatements {
        // The writer was made with `HotStatements`: nothing else is ever stored there.
        unsafeDowncast(try writer.hotStatements(db), to: HotStatements.self)
    }

    private func queueError(_ error: any Error) -> any Error {
        Self.queueError(error, probe: probe)
    }

    /// A storage condition (full, read-only, busy, I/O) keeps its neutral code; any other
    /// SQLite failure is a plain storage error carrying SQLite's message.
    private static func queueError(_ error: any Error, probe: StorageProbe) -> any Error {
        switch error {
        case let error as DatabaseError:
            if let fault = SQLiteFault.classify(error, condition: probe.condition) {
                return QueueError.storage(fault, cause: error)
            }
            if error.resultCode == .SQLITE_CONSTRAINT {
                return QueueError.constraint("the write conflicts with a stored job: \(error.message ?? "constraint")", cause: error)
            }
            return QueueError.storage("the queue database failed: \(error.message ?? "\(error.resultCode)")", cause: error)
        case let error as SQLiteError:
            return QueueError.storage(error.message, cause: error)
        default:
            return error
        }
    }

    // MARK: Enqueue

    public func enqueue(_ job: NewJob) async throws -> EnqueueResult {
        try job.validate(maxPayloadBytes: policy.maxPayloadBytes)
        let now = clock.now()
        if let runAt = job.runAt, runAt > now { noDelayedJobs.withLock { $0.removeAll() } }
        let policy = self.policy
        let args = JSONValue.array(job.args).jsonText
        let kwargs = JSONValue.object(job.kwargs).jsonText
        return try await write { db in
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
}

import Foundation
import GRDB
import SQLiteSupport
import Synchronization

/// The queue's hot statements, prepared once on the writer connection (see `RawStatement`).
/// Not thread-safe by itself: it is only used inside the group-commit writer's transactions,
/// which run one at a time.
final class HotStatements: WriterStatements, @unchecked Sendable {
    let transactions: TransactionStatements
    let bestDue: RawStatement
    /// The same, skipping task names (rate-limited ones) given as a JSON array.
    let bestDueExcluding: RawStatement
    let claim: RawStatement
    let pausedQueues: RawStatement
    let openAttempt: RawStatement
    let succeed: RawStatement
    let closeAttempt: RawStatement
    /// Adds one minute's counts of a task name and queue to `task_stats`.
    let addStats: RawStatement
    /// The stats rollup's changes not yet written (see `willCommit`).
    var stats = TaskStatsAccumulator()
    private var statsWritten = ContinuousClock.now - .seconds(1)
    private var statsFlushScheduled = false
    private let statsFlush: StatsFlushTimer

    /// The rollup is written at most this often: every group transaction writing one more
    /// page cost the no-op drain 17%.
    static let statsWriteInterval: Duration = .milliseconds(250)

    init(_ db: Database, statsFlush: StatsFlushTimer) throws {
        self.statsFlush = statsFlush
        guard let connection = db.sqliteConnection else { throw QueueError.storage("the database connection is closed") }
        func prepare(_ sql: String) throws -> RawStatement { try RawStatement(connection: connection, sql: sql) }
        transactions = try TransactionStatements(db)
        bestDue = try prepare(
            """
            SELECT id, priority, run_at FROM jobs INDEXED BY jobs_ready
            WHERE \(TaskStateMachine.sqlCondition(of: .claim)) AND queue = ? AND run_at <= ?
            ORDER BY priority DESC, run_at, id LIMIT 1
            """)
        bestDueExcluding = try prepare(
            """
            SELECT id, priority, run_at FROM jobs INDEXED BY jobs_ready
            WHERE \(TaskStateMachine.sqlCondition(of: .claim)) AND queue = ? AND run_at <= ?
                AND name NOT IN (SELECT value FROM json_each(?))
            ORDER BY priority DESC, run_at, id LIMIT 1
            """)
        pausedQueues = try prepare("SELECT name FROM queue_pauses")
        claim = try prepare(
            """
            UPDATE jobs SET state = 'STARTED', token = token + 1, deliveries = deliveries + 1,
                worker = ?, started_at = ?, lease_until = ?, meta = NULL
            WHERE id = ? AND \(TaskStateMachine.sqlCondition(of: .claim))
            RETURNING name, args, kwargs, queue, priority, token, deliveries, retries, enqueued_at, run_at
            """)
        openAttempt = try prepare(
            "INSERT INTO attempts (job_id, token, delivery, worker, started_at) VALUES (?, ?, ?, ?, ?)")
        succeed = try prepare(
            """
            UPDATE jobs SET state = 'SUCCESS', result = ?, date_done = ?, expires_at = ?, lease_until = NULL,
                token = token + 1
            WHERE id = ? AND token = ? AND \(TaskStateMachine.sqlCondition(of: .succeed))
            RETURNING name, queue, started_at
            """)
        closeAttempt = try prepare(
            "UPDATE attempts SET outcome = ?, finished_at = ?, error = ? WHERE job_id = ? AND token = ?")
        addStats = try prepare(Self.addStatsSQL)
    }

    /// The most urgent due job of `queues`: one indexed probe per queue.
    func bestDueJob(queues: [String], excluding names: [String], now: Double) throws -> String? {
        var best: (priority: Int64, runAt: Double, id: String)?
        let statement = names.isEmpty ? bestDue : bestDueExcluding
        let excluded = names.isEmpty ? nil : JSONValue.array(names.map { .string($0) }).jsonText
        for queue in queues {
            statement.bind(excluded.map { [queue, now, $0] } ?? [queue, now])
            defer { statement.reset() }
            guard try statement.step() else { continue }
            let candidate = (priority: statement.int(1), runAt: statement.double(2), id: statement.text(0))
            if let current = best {
                let better =
                    candidate.priority != current.priority
                    ? candidate.priority > current.priority
                    : (candidate.runAt != current.runAt ? candidate.runAt < current.runAt : candidate.id < current.id)
                if !better { continue }
            }
            best = candidate
        }
        return best?.id
    }

    /// The paused queues (usually none: one probe of an empty table).
    func paused() throws -> Set<String> {
        defer { pausedQueues.reset() }
        var names: Set<String> = []
        while try pausedQueues.step() { names.insert(pausedQueues.text(0)) }
        return names
    }

    /// Takes the lease of job `id` and opens its attempt.
    func claim(id: String, worker: String, now: Double, leaseUntil: Double) throws -> ClaimedJob? {
        claim.bind([worker, now, leaseUntil, id])
        guard try claim.step() else {
            claim.reset()
            return nil
        }
        let token = claim.int(5)
        let deliveries = Int(claim.int(6))
        let job = ClaimedJob(
            id: id, name: claim.text(0), argsJSON: claim.text(1), kwargsJSON: claim.text(2), queue: claim.text(3),
            priority: Int(claim.int(4)), lease: Lease(jobID: id, token: token), deliveries: deliveries,
            retries: Int(claim.int(7)), enqueuedAt: Date(timeIntervalSince1970: claim.double(8)),
            runAt: Date(timeIntervalSince1970: claim.double(9)), leaseUntil: Date(timeIntervalSince1970: leaseUntil))
        while try claim.step() {}
        claim.reset()
        try openAttempt.run([id, token, deliveries, worker, now])
        return job
    }

    /// Counts a started delivery in the rollup; the caller's last step (its savepoint may not
    /// roll back after it).
    func countStart(_ job: ClaimedJob, now: Double) {
        let date = Date(timeIntervalSince1970: now)
        stats.started(name: job.name, queue: job.queue, at: date, waited: date.timeIntervalSince(job.runAt))
    }

    /// The late ack, fenced by the lease; nil if the lease is stale, else what the stats
    /// rollup needs (counted by the caller once nothing else can fail).
    func succeed(_ lease: Lease, result: String, now: Double, expires: Double) throws -> FinishedDelivery? {
        succeed.bind([result, now, expires, lease.jobID, lease.token])
        guard try succeed.step() else {
            succeed.reset()
            return nil
        }
        let finished = FinishedDelivery(
            name: succeed.text(0), queue: succeed.text(1), startedAt: succeed.isNull(2) ? nil : succeed.double(2), now: now)
        while try succeed.step() {}
        succeed.reset()
        try closeAttempt.run([Attempt.Outcome.success.rawValue, now, nil, lease.jobID, lease.token])
        return finished
    }

    // MARK: Stats rollup

    /// Writes the stats gathered by this and earlier group transactions, one upsert per
    /// minute, task name and queue, unless the last write was under `statsWriteInterval` ago;
    /// then a timer makes sure a transaction carries them soon, even if no other write comes.
    func willCommit(_ db: Database) throws {
        guard !stats.isEmpty else { return }
        guard ContinuousClock.now - statsWritten >= Self.statsWriteInterval else {
            if !statsFlushScheduled {
                statsFlushScheduled = true
                statsFlush.schedule(after: Self.statsWriteInterval)
            }
            statsFlush.pending.store(true, ordering: .relaxed)
            return
        }
        try writeStats()
    }

    /// Writes the gathered stats now (a worker's last write before it exits).
    func writeStats() throws {
        statsWritten = ContinuousClock.now
        statsFlushScheduled = false
        statsFlush.pending.store(false, ordering: .relaxed)
        for row in stats.take() { try add(row) }
    }

    /// An upsert that adds every count, sum and bucket, and keeps the larger maximum.
    private static let addStatsSQL: String = {
        let buckets = (0..<DurationHistogram.bucketCount).flatMap { ["r\($0)", "w\($0)"] }
        let added = ["succeeded", "failed", "retried", "revoked", "runtime_sum", "wait_sum"] + buckets
        let columns = ["minute", "name", "queue"] + added + ["runtime_max", "wait_max"]
        return """
            INSERT INTO task_stats (\(columns.joined(separator: ", ")))
            VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))
            ON CONFLICT (minute, name, queue) DO UPDATE SET
            \(added.map { "\($0) = \($0) + excluded.\($0)" }.joined(separator: ", ")),
            runtime_max = max(runtime_max, excluded.runtime_max), wait_max = max(wait_max, excluded.wait_max)
            """
    }()

    /// Binds one by one: no boxing of ~50 values per group transaction.
    private func add(_ row: TaskStatsRow) throws {
        let statement = addStats
        statement.reset()
        statement.bindInt(1, Int64(row.key.minute))
        statement.bindText(2, row.key.name)
        statement.bindText(3, row.key.queue)
        var index: Int32 = 4
        for count in [row.succeeded, row.failed, row.retried, row.revoked] {
            statement.bindInt(index, Int64(count))
            index += 1
        }
        statement.bindDouble(index, row.runtime.sum)
        statement.bindDouble(index + 1, row.wait.sum)
        index += 2
        for bucket in 0..<DurationHistogram.bucketCount {
            statement.bindInt(index, Int64(row.runtime.counts[bucket]))
            statement.bindInt(index + 1, Int64(row.wait.counts[bucket]))
            index += 2
        }
        statement.bindDouble(index, row.runtime.max)
        statement.bindDouble(index + 1, row.wait.max)
        defer { statement.reset() }
        while try statement.step() {}
    }
}

/// A delivery that ended: what the stats rollup counts.
struct FinishedDelivery {
    var name: String
    var queue: String
    /// When the delivery started (nil: the job was not running).
    var startedAt: Double?
    var now: Double

    init(name: String, queue: String, startedAt: Double?, now: Double) {
        self.name = name
        self.queue = queue
        self.startedAt = startedAt
        self.now = now
    }

    init(_ row: Row, now: Double) {
        self.init(name: row["name"], queue: row["queue"], startedAt: row["started_at"], now: now)
    }

    func count(_ outcome: TaskStatsRow.Outcome, ran: Bool = true, in stats: inout TaskStatsAccumulator) {
        stats.ended(
            outcome, name: name, queue: queue, at: Date(timeIntervalSince1970: now),
            ran: ran ? startedAt.map { max(0, now - $0) } : nil)
    }
}

extension TaskStatsRow {
    /// The columns `init(_ row:)` reads, in its order (by index: ~50 lookups by name per row
    /// made a week's rows take seconds).
    static let columns = (["minute", "name", "queue", "succeeded", "failed", "retried", "revoked", "runtime_sum", "runtime_max", "wait_sum", "wait_max"]
        + (0..<DurationHistogram.bucketCount).map { "r\($0)" } + (0..<DurationHistogram.bucketCount).map { "w\($0)" })
        .joined(separator: ", ")

    /// A stored row of `task_stats`, selected with `columns`.
    init(_ row: Row) {
        self.init(key: Key(minute: row[0], name: row[1], queue: row[2]))
        succeeded = row[3]
        failed = row[4]
        retried = row[5]
        revoked = row[6]
        let buckets = DurationHistogram.bucketCount
        runtime = DurationHistogram(counts: (0..<buckets).map { row[11 + $0] }, sum: row[7], max: row[8])
        wait = DurationHistogram(counts: (0..<buckets).map { row[11 + buckets + $0] }, sum: row[9], max: row[10])
    }
}

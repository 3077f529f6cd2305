import SQLiteSupport
import Foundation
import GRDB

/// The queue's hot statements, prepared once on the writer connection (see `RawStatement`).
/// Not thread-safe by itself: it is only used inside the group-commit writer's transactions,
/// which run one at a time.
final class HotStatements: WriterStatements, @unchecked Sendable {
    let savepoints: Savepoints
    let bestDue: RawStatement
    /// The same, skipping task names (rate-limited ones) given as a JSON array.
    let bestDueExcluding: RawStatement
    let claim: RawStatement
    let pausedQueues: RawStatement
    let openAttempt: RawStatement
    let succeed: RawStatement
    let closeAttempt: RawStatement

    init(_ db: Database) throws {
        guard let connection = db.sqliteConnection else { throw QueueError.storage("the database connection is closed") }
        func prepare(_ sql: String) throws -> RawStatement { try RawStatement(connection: connection, sql: sql) }
        savepoints = try Savepoints(db)
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
            """)
        closeAttempt = try prepare(
            "UPDATE attempts SET outcome = ?, finished_at = ?, error = ? WHERE job_id = ? AND token = ?")
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

    /// The late ack, fenced by the lease; false if the lease is stale.
    func succeed(_ lease: Lease, result: String, now: Double, expires: Double) throws -> Bool {
        guard try succeed.run([result, now, expires, lease.jobID, lease.token]) == 1 else { return false }
        try closeAttempt.run([Attempt.Outcome.success.rawValue, now, nil, lease.jobID, lease.token])
        return true
    }
}

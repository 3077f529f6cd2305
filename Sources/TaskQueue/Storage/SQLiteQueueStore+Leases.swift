import Foundation
import GRDB
import SQLiteSupport

/// The worker's side (`LeaseStore`): claims, fenced lease-holder writes, renewals.
extension SQLiteQueueStore {
    // MARK: Claim

    public func claim(queues: [String], excluding names: [String], worker: String) throws -> ClaimedJob? {
        try writeSync { db in try self.claimJob(db, queues: queues, excluding: names, worker: worker) }
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
        let reaped = reapDue ? try Self.reapLapsedLeases(db, now: now, policy: policy) : []
        let hot = try hotStatements(db)
        let paused = try hot.paused()
        let open = paused.isEmpty ? queues : queues.filter { !paused.contains($0) }
        var job: ClaimedJob?
        if let id = try hot.bestDueJob(queues: open, excluding: names, now: now.timeIntervalSince1970) {
            job = try hot.claim(
                id: id, worker: worker, now: now.timeIntervalSince1970,
                leaseUntil: now.addingTimeInterval(policy.visibilityTimeout).timeIntervalSince1970)
        }
        // The stats rollup last: nothing after it may fail and roll this write back.
        for (outcome, delivery) in reaped { delivery.count(outcome, ran: false, in: &hot.stats) }
        if let job { hot.countStart(job, now: now.timeIntervalSince1970) }
        return job
    }

    /// Gives lapsed leases back: `PENDING` again, or `FAILURE` (`WorkerLost`) after
    /// `maxDeliveries` lapses, or `REVOKED` if a revoke was waiting for the body to stop.
    /// Returns the jobs that ended, for the stats rollup.
    static func reapLapsedLeases(_ db: Database, now: Date, policy: StorePolicy) throws
        -> [(TaskStatsRow.Outcome, FinishedDelivery)]
    {
        var ended: [(TaskStatsRow.Outcome, FinishedDelivery)] = []
        let lapsed = try Row.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT id, name, queue, started_at, lost_deliveries, revoke_requested FROM jobs INDEXED BY jobs_leased
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
                ended.append((.failed, FinishedDelivery(row, now: now.timeIntervalSince1970)))
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
                ended.append((.revoked, FinishedDelivery(row, now: now.timeIntervalSince1970)))
            default:
                try db.cachedStatement(
                    sql: """
                        UPDATE jobs SET state = 'PENDING', lost_deliveries = ?, token = token + 1, lease_until = NULL
                        WHERE id = ? AND \(TaskStateMachine.sqlCondition(of: .leaseLost))
                        """
                ).execute(arguments: [lost, id])
            }
        }
        return ended
    }

    // MARK: Lease-holder writes (fenced by the token)

    public func renew(_ leases: [Lease]) async throws -> [Lease: LeaseStatus] {
        let clock = self.clock
        let timeout = policy.visibilityTimeout
        return try await write { db in
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
        try writeSync(update)
    }

    public func succeed(
        _ lease: Lease, result: JSONValue, thenClaim queues: [String]?, excluding names: [String], worker: String
    ) throws -> ClaimedJob?
    {
        let now = clock.now()
        let expires = now.addingTimeInterval(policy.resultExpires).timeIntervalSince1970
        let text = result.jsonText
        return try writeSync { db in
            let hot = try self.hotStatements(db)
            guard let finished = try hot.succeed(lease, result: text, now: now.timeIntervalSince1970, expires: expires) else {
                throw QueueError.staleLease(lease.jobID)
            }
            let next = try queues.map { try self.claimJob(db, queues: $0, excluding: names, worker: worker) } ?? nil
            finished.count(.succeeded, in: &hot.stats)
            return next
        }
    }

    public func fail(_ lease: Lease, error: TaskErrorInfo) throws {
        try writeSync(failure(lease, error: error))
    }

    public func failAbandoned(_ lease: Lease, error: TaskErrorInfo) async throws {
        try await write(failure(lease, error: error))
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
            attempt: (.failure, error, now), counts: .failed)
    }

    public func retry(_ lease: Lease, error: TaskErrorInfo, at: Date) throws {
        noDelayedJobs.withLock { $0.removeAll() }
        try writeSync(
            holderUpdate(
                lease, event: .retry,
                set: "state = 'RETRY', error = ?, run_at = ?, retries = retries + 1, lease_until = NULL, token = token + 1",
                arguments: [Self.encode(error), at.timeIntervalSince1970],
                attempt: (.retry, error, clock.now()), counts: .retried))
    }

    public func release(_ lease: Lease) throws {
        try writeSync(releasing(lease))
    }

    public func releaseAbandoned(_ lease: Lease) async throws {
        try await write(releasing(lease))
    }

    private func releasing(_ lease: Lease) -> @Sendable (Database) throws -> Void {
        holderUpdate(
            lease, event: .release, set: "state = 'PENDING', lease_until = NULL, token = token + 1", arguments: [],
            attempt: (.released, nil, clock.now()))
    }

    public func stopRevoked(_ lease: Lease) throws {
        let now = clock.now()
        try writeSync(
            holderUpdate(
                lease, event: .stopRevoked,
                set: "state = 'REVOKED', date_done = ?, expires_at = ?, lease_until = NULL, token = token + 1",
                arguments: [
                    now.timeIntervalSince1970, now.addingTimeInterval(policy.resultExpires).timeIntervalSince1970,
                ],
                attempt: (.revoked, nil, now), counts: .revoked))
    }

    /// One fenced update: applies only if `lease` is the job's current delivery and the state
    /// machine allows `event` from the job's state; otherwise `QueueError.staleLease`. An
    /// outcome in `counts` goes to the stats rollup with the delivery's runtime.
    private func holderUpdate(
        _ lease: Lease, event: TaskEvent, set assignments: String, arguments: [(any DatabaseValueConvertible)?],
        attempt: (Attempt.Outcome, TaskErrorInfo?, Date)?, counts outcome: TaskStatsRow.Outcome? = nil
    ) -> @Sendable (Database) throws -> Void {
        let sql = """
            UPDATE jobs SET \(assignments)
            WHERE id = ? AND token = ? AND \(TaskStateMachine.sqlCondition(of: event))
            RETURNING name, queue, started_at
            """
        let now = clock.now().timeIntervalSince1970
        let values = StatementArguments(arguments + [lease.jobID, lease.token])
        let attemptValues = attempt.map { outcome, error, now in
            let values: [(any DatabaseValueConvertible)?] = [
                outcome.rawValue, now.timeIntervalSince1970, error.map(Self.encode), lease.jobID, lease.token,
            ]
            return StatementArguments(values)
        }
        return { [self] db in
            guard let row = try Row.fetchOne(db.cachedStatement(sql: sql), arguments: values) else {
                throw QueueError.staleLease(lease.jobID)
            }
            if let attemptValues {
                try db.cachedStatement(
                    sql: "UPDATE attempts SET outcome = ?, finished_at = ?, error = ? WHERE job_id = ? AND token = ?"
                ).execute(arguments: attemptValues)
            }
            if let outcome { FinishedDelivery(row, now: now).count(outcome, in: &(try hotStatements(db)).stats) }
        }
    }

    public func nextDelayedRun(queues: [String], after now: Date) throws -> Date? {
        let known = noDelayedJobs.withLock { $0 }
        let unknown = queues.filter { !known.contains($0) }
        guard !unknown.isEmpty else { return nil }
        let dues = try readSync { db in
            try unknown.map { queue in
                try Double.fetchOne(
                    db.cachedStatement(
                        sql: """
                            SELECT MIN(run_at) FROM jobs INDEXED BY jobs_ready
                            WHERE state IN ('PENDING','RETRY') AND queue = ? AND run_at > ?
                            """), arguments: [queue, now.timeIntervalSince1970])
            }
        }
        let empty = zip(unknown, dues).filter { $0.1 == nil }.map(\.0)
        if !empty.isEmpty { noDelayedJobs.withLock { $0.formUnion(empty) } }
        return dues.compactMap { $0 }.min().map(Date.init(timeIntervalSince1970:))
    }
}

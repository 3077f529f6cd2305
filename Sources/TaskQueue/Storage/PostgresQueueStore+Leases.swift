import Foundation
import PostgresNIO
import PostgresSupport

/// The worker's side (`LeaseStore`) on PostgreSQL: claims with `SKIP LOCKED`, fenced
/// lease-holder writes (a write whose token is not the job's current one changes nothing and
/// is refused), renewals of all of a process's leases in one statement.
extension PostgresQueueStore {
    // MARK: Claim

    public func claim(queues: [String], excluding names: [String], worker: String) throws -> ClaimedJob? {
        let now = clock.now()
        try reapIfDue(now: now)
        var statement = PostgresStatement()
        let arguments = Self.claimArguments(&statement, queues: queues, excluding: names, worker: worker, now: now, policy: policy)
        statement.sql = "SELECT * FROM importer_claim(\(arguments))"
        let row = try sessionSync { session in try session.first(statement.query) }
        guard let row else { return nil }
        let job = try Self.claimedJob(row)
        holdStats { $0.started(name: job.name, queue: job.queue, at: now, waited: now.timeIntervalSince(job.runAt)) }
        return job
    }

    /// One statement (migration v3): the claim, or when it finds nothing, the next delayed run.
    public func claimOrNextRun(queues: [String], excluding names: [String], worker: String, after: Date) throws -> ClaimAttempt {
        let now = clock.now()
        try reapIfDue(now: now)
        var statement = PostgresStatement()
        let arguments = Self.claimArguments(&statement, queues: queues, excluding: names, worker: worker, now: now, policy: policy)
        statement.sql = "SELECT * FROM importer_claim_or_next(\(arguments), \(statement.bind(after.timeIntervalSince1970)))"
        guard let row = try sessionSync({ session in try session.first(statement.query) }) else { return .idle(nextRun: nil) }
        guard try row.get("id", as: String?.self) != nil else {
            return .idle(nextRun: try row.get("next_run", as: Double?.self).map(Date.init(timeIntervalSince1970:)))
        }
        let job = try Self.claimedJob(row)
        holdStats { $0.started(name: job.name, queue: job.queue, at: now, waited: now.timeIntervalSince(job.runAt)) }
        return .claimed(job)
    }

    /// The arguments of `importer_claim` (migration v2), bound: one ordered index probe
    /// per served queue that is not paused, the best of those locked with `SKIP LOCKED`, its lease
    /// taken with a fresh token, its attempt opened; the claimed job's columns (`claimedJob`), or
    /// no row.
    static func claimArguments(
        _ statement: inout PostgresStatement, queues: [String], excluding names: [String], worker: String, now: Date,
        policy: StorePolicy
    ) -> String {
        let queues = statement.bind(queues)
        let excluded = statement.bind(names.isEmpty ? nil : names)
        let worker = statement.bind(worker)
        let at = statement.bind(now.timeIntervalSince1970)
        let until = statement.bind(now.addingTimeInterval(policy.visibilityTimeout).timeIntervalSince1970)
        return "\(queues)::text[], \(excluded)::text[], \(worker), \(at), \(until)"
    }

    static func claimedJob(_ row: PostgresRandomAccessRow) throws -> ClaimedJob {
        let id: String = try row.get("id")
        let token: Int64 = try row.get("token")
        return ClaimedJob(
            id: id, name: try row.get("name"), argsJSON: try row.get("args"), kwargsJSON: try row.get("kwargs"),
            queue: try row.get("queue"), priority: try row.get("priority"), lease: Lease(jobID: id, token: token),
            deliveries: try row.get("deliveries"), retries: try row.get("retries"),
            enqueuedAt: Date(timeIntervalSince1970: try row.get("enqueued_at")),
            runAt: Date(timeIntervalSince1970: try row.get("run_at")),
            leaseUntil: Date(timeIntervalSince1970: try row.get("lease_until")))
    }

    /// Gives lapsed leases back, at most once a second per process (any process may: the rows
    /// are taken with `SKIP LOCKED`, so two reapers never both count one).
    func reapIfDue(now: Date) throws {
        let due = lastReap.withLock { last -> Bool in
            guard abs(now.timeIntervalSince(last)) >= 1 else { return false }
            last = now
            return true
        }
        guard due else { return }
        let policy = self.policy
        let ended = try transactionSync { session in try Self.reapLapsedLeases(session, now: now, policy: policy) }
        if !ended.isEmpty { holdStats { stats in for (outcome, delivery) in ended { delivery.count(outcome, ran: false, in: &stats) } } }
    }

    /// `PENDING` again, or `FAILURE` (`WorkerLost`) after `maxDeliveries` lapses, or `REVOKED`
    /// if a revoke was waiting for the body to stop. Returns the jobs that ended.
    static func reapLapsedLeases(_ session: PostgresSession, now: Date, policy: StorePolicy) throws
        -> [(TaskStatsRow.Outcome, FinishedDelivery)]
    {
        let at = now.timeIntervalSince1970
        var ended: [(TaskStatsRow.Outcome, FinishedDelivery)] = []
        let lapsed = try session.query(
            """
            SELECT id, name, queue, started_at, lost_deliveries, revoke_requested FROM jobs
            WHERE state IN ('STARTED','PROGRESS') AND lease_until < \(at)
            FOR UPDATE SKIP LOCKED
            """)
        for row in lapsed {
            let id: String = try row.get("id")
            let lost = try row.get("lost_deliveries", as: Int.self) + 1
            let finished = FinishedDelivery(
                name: try row.get("name"), queue: try row.get("queue"), startedAt: try row.get("started_at"), now: at)
            let event: TaskEvent =
                try row.get("revoke_requested", as: Bool.self) ? .stopRevoked : (lost >= policy.maxDeliveries ? .leaseLostFinal : .leaseLost)
            try session.execute("UPDATE attempts SET outcome = 'LOST', finished_at = \(at) WHERE job_id = \(id) AND outcome IS NULL")
            switch event {
            case .leaseLostFinal:
                let error = TaskErrorInfo(
                    type: "WorkerLost", message: "the worker running this job was lost \(lost) times (max_deliveries)")
                let expires = now.addingTimeInterval(policy.failureRetention).timeIntervalSince1970
                try session.execute(
                    """
                    UPDATE jobs SET state = 'FAILURE', lost_deliveries = \(lost), token = token + 1, lease_until = NULL,
                        error = \(SQLiteQueueStore.encode(error)), date_done = \(at), expires_at = \(expires)
                    WHERE id = \(id) AND \(unescaped: TaskStateMachine.sqlCondition(of: .leaseLostFinal))
                    """)
                ended.append((.failed, finished))
            case .stopRevoked:
                let expires = now.addingTimeInterval(policy.resultExpires).timeIntervalSince1970
                try session.execute(
                    """
                    UPDATE jobs SET state = 'REVOKED', lost_deliveries = \(lost), token = token + 1, lease_until = NULL,
                        date_done = \(at), expires_at = \(expires)
                    WHERE id = \(id) AND \(unescaped: TaskStateMachine.sqlCondition(of: .stopRevoked))
                    """)
                ended.append((.revoked, finished))
            default:
                try session.execute(
                    """
                    UPDATE jobs SET state = 'PENDING', lost_deliveries = \(lost), token = token + 1, lease_until = NULL
                    WHERE id = \(id) AND \(unescaped: TaskStateMachine.sqlCondition(of: .leaseLost))
                    """)
            }
        }
        return ended
    }

    // MARK: Lease-holder writes (fenced by the token)

    public func renew(_ leases: [Lease]) async throws -> [Lease: LeaseStatus] {
        guard !leases.isEmpty else { return [:] }
        let until = clock.now().addingTimeInterval(policy.visibilityTimeout)
        let ids = leases.map(\.jobID)
        let tokens = leases.map(\.token)
        let held = try await session { session in
            try session.query(
                """
                UPDATE jobs j SET lease_until = \(until.timeIntervalSince1970)
                FROM unnest(\(ids)::text[], \(tokens)::bigint[]) AS l(id, token)
                WHERE j.id = l.id COLLATE "C" AND j.token = l.token AND j.state IN ('STARTED','PROGRESS')
                RETURNING j.id, j.token, j.revoke_requested
                """
            ).map { row in (Lease(jobID: try row.get("id"), token: try row.get("token")), try row.get("revoke_requested", as: Bool.self)) }
        }
        var statuses = Dictionary(uniqueKeysWithValues: leases.map { ($0, LeaseStatus.lost) })
        for (lease, revoke) in held { statuses[lease] = .held(until: until, revokeRequested: revoke) }
        return statuses
    }

    public func progress(_ lease: Lease, meta: JSONValue) throws {
        var statement = PostgresStatement()
        let assignments = "state = 'PROGRESS', meta = \(statement.bind(meta.jsonText))"
        _ = try sessionSync { session in try holderUpdate(session, &statement, lease, event: .progress, set: assignments, attempt: nil) }
    }

    public func succeed(
        _ lease: Lease, result: JSONValue, thenClaim queues: [String]?, excluding names: [String], worker: String
    ) throws -> ClaimedJob? {
        let now = clock.now()
        // A slot that always finds its next job here never calls `claim`: lapsed leases are
        // given back on this path too.
        if queues != nil { try reapIfDue(now: now) }
        let at = now.timeIntervalSince1970
        var statement = PostgresStatement()
        let ack = "\(statement.bind(lease.jobID)), \(statement.bind(lease.token)), \(statement.bind(result.jsonText)), "
            + "\(statement.bind(at)), \(statement.bind(now.addingTimeInterval(policy.resultExpires).timeIntervalSince1970))"
        if let queues {
            // The next claim only if the ack stood (a refused ack claims nothing), in the same
            // statement: one commit per job (migration v3; the claim's columns are `claimedJob`'s).
            let until = now.addingTimeInterval(policy.visibilityTimeout).timeIntervalSince1970
            let claim = "\(statement.bind(queues))::text[], \(statement.bind(names.isEmpty ? nil : names))::text[], "
                + "\(statement.bind(worker)), \(statement.bind(until))"
            statement.sql = "SELECT * FROM importer_ack_claim(\(ack), \(claim))"
        } else {
            statement.sql =
                "SELECT name AS acked_name, queue AS acked_queue, started_at AS acked_started_at, NULL::text AS id FROM importer_ack(\(ack))"
        }
        guard let row = try sessionSync({ session in try session.first(statement.query) }) else {
            throw QueueError.staleLease(lease.jobID)
        }
        let finished = FinishedDelivery(
            name: try row.get("acked_name"), queue: try row.get("acked_queue"), startedAt: try row.get("acked_started_at"), now: at)
        let next = try row.get("id", as: String?.self) == nil ? nil : try Self.claimedJob(row)
        holdStats { stats in
            finished.count(.succeeded, in: &stats)
            if let next { stats.started(name: next.name, queue: next.queue, at: now, waited: now.timeIntervalSince(next.runAt)) }
        }
        return next
    }

    public func fail(_ lease: Lease, error: TaskErrorInfo) throws {
        try sessionSync { session in try failure(session, lease, error: error) }
    }

    public func failAbandoned(_ lease: Lease, error: TaskErrorInfo) async throws {
        try await session { session in try self.failure(session, lease, error: error) }
    }

    private func failure(_ session: PostgresSession, _ lease: Lease, error: TaskErrorInfo) throws {
        let now = clock.now()
        var statement = PostgresStatement()
        let assignments = """
            state = 'FAILURE', error = \(statement.bind(SQLiteQueueStore.encode(error))), date_done = \(statement.bind(now.timeIntervalSince1970)),
            expires_at = \(statement.bind(now.addingTimeInterval(policy.failureRetention).timeIntervalSince1970)),
            lease_until = NULL, token = token + 1
            """
        try holderUpdate(session, &statement, lease, event: .fail, set: assignments, attempt: (.failure, error, now), counts: .failed)
    }

    public func retry(_ lease: Lease, error: TaskErrorInfo, at: Date) throws {
        var statement = PostgresStatement()
        let assignments = """
            state = 'RETRY', error = \(statement.bind(SQLiteQueueStore.encode(error))), run_at = \(statement.bind(at.timeIntervalSince1970)),
            retries = retries + 1, lease_until = NULL, token = token + 1
            """
        let now = clock.now()
        _ = try sessionSync { session in
            try holderUpdate(session, &statement, lease, event: .retry, set: assignments, attempt: (.retry, error, now), counts: .retried)
        }
    }

    public func release(_ lease: Lease) throws {
        try sessionSync { session in try releasing(session, lease) }
    }

    public func releaseAbandoned(_ lease: Lease) async throws {
        try await session { session in try self.releasing(session, lease) }
    }

    /// Given back at shutdown: another process's idle slot takes it at once.
    private func releasing(_ session: PostgresSession, _ lease: Lease) throws {
        var statement = PostgresStatement()
        let queue = try holderUpdate(
            session, &statement, lease, event: .release, set: "state = 'PENDING', lease_until = NULL, token = token + 1",
            attempt: (.released, nil, clock.now()))
        try session.execute("SELECT pg_notify(\(PostgresWakeups.channel), current_schema() || ' ' || \(queue))")
    }

    public func stopRevoked(_ lease: Lease) throws {
        let now = clock.now()
        var statement = PostgresStatement()
        let assignments = """
            state = 'REVOKED', date_done = \(statement.bind(now.timeIntervalSince1970)),
            expires_at = \(statement.bind(now.addingTimeInterval(policy.resultExpires).timeIntervalSince1970)),
            lease_until = NULL, token = token + 1
            """
        _ = try sessionSync { session in
            try holderUpdate(session, &statement, lease, event: .stopRevoked, set: assignments, attempt: (.revoked, nil, now), counts: .revoked)
        }
    }

    /// One fenced update in one statement: applies only if `lease` is the job's current
    /// delivery and the state machine allows `event` from the job's state, closing the
    /// delivery's attempt with it; otherwise `QueueError.staleLease`. `statement` holds the
    /// binds of `assignments`.
    /// Returns the job's queue.
    @discardableResult
    private func holderUpdate(
        _ session: PostgresSession, _ statement: inout PostgresStatement, _ lease: Lease, event: TaskEvent, set assignments: String,
        attempt: (Attempt.Outcome, TaskErrorInfo?, Date)?, counts outcome: TaskStatsRow.Outcome? = nil
    ) throws -> String {
        let id = statement.bind(lease.jobID)
        let token = statement.bind(lease.token)
        var sql = """
            WITH updated AS (
                UPDATE jobs SET \(assignments)
                WHERE id = \(id) AND token = \(token) AND \(TaskStateMachine.sqlCondition(of: event))
                RETURNING name, queue, started_at
            )
            """
        if let (result, error, at) = attempt {
            sql += """
                , closed AS (
                    UPDATE attempts SET outcome = \(statement.bind(result.rawValue)), finished_at = \(statement.bind(at.timeIntervalSince1970)),
                        error = \(statement.bind(error.map(SQLiteQueueStore.encode)))
                    WHERE job_id = \(id) AND token = \(token) AND EXISTS (SELECT 1 FROM updated)
                )
                """
        }
        statement.sql = sql + " SELECT * FROM updated"
        guard let row = try session.first(statement.query) else { throw QueueError.staleLease(lease.jobID) }
        if let outcome {
            let finished = FinishedDelivery(
                name: try row.get("name"), queue: try row.get("queue"), startedAt: try row.get("started_at"),
                now: clock.now().timeIntervalSince1970)
            holdStats { finished.count(outcome, in: &$0) }
        }
        return try row.get("queue")
    }

    public func nextDelayedRun(queues: [String], after now: Date) throws -> Date? {
        guard !queues.isEmpty else { return nil }
        let due = try sessionSync { session in
            try session.first("SELECT importer_next_run(\(queues)::text[], \(now.timeIntervalSince1970)) AS due")?.get("due", as: Double?.self)
        }
        return due.map(Date.init(timeIntervalSince1970:))
    }

    public func revokeRequested(among ids: [String]) async throws -> Set<String> {
        guard !ids.isEmpty else { return [] }
        return try await session { session in
            Set(
                try session.query("SELECT id FROM jobs WHERE revoke_requested AND id = ANY(\(ids)::text[])")
                    .map { try $0.get("id", as: String.self) })
        }
    }
}

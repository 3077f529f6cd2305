import Foundation
import PostgresNIO
import PostgresSupport

/// The operators' writes (`QueueAdminStore`) on PostgreSQL: revoke, purge, result expiry,
/// paused queues and hand-retried dead letters.
extension PostgresQueueStore {
    public func revoke(id: String) async throws -> TaskState? {
        let now = clock.now()
        let at = now.timeIntervalSince1970
        let expires = now.addingTimeInterval(policy.resultExpires).timeIntervalSince1970
        let revoked = try await transaction { session -> (TaskState?, FinishedDelivery?) in
            guard let row = try session.first("SELECT state, name, queue FROM jobs WHERE id = \(id) FOR UPDATE"),
                let state = TaskState(rawValue: try row.get("state"))
            else { return (nil, nil) }
            switch try? TaskStateMachine.transition(.revoke, from: state) {
            case .moveTo(let next):
                try session.execute(
                    """
                    UPDATE jobs SET state = \(next.rawValue), revoke_requested = true, date_done = \(at), expires_at = \(expires),
                        token = token + 1
                    WHERE id = \(id)
                    """)
                return (next, FinishedDelivery(name: try row.get("name"), queue: try row.get("queue"), startedAt: nil, now: at))
            case .flagRevoke:
                try session.execute("UPDATE jobs SET revoke_requested = true WHERE id = \(id)")
                return (state, nil)
            case .delete, nil:
                return (state, nil)
            }
        }
        if let finished = revoked.1 { holdStats { finished.count(.revoked, ran: false, in: &$0) } }
        return revoked.0
    }

    public func purge(queue: String?) async throws -> Int {
        let condition = TaskStateMachine.sqlCondition(of: .purge)
        return try await session { session in
            if let queue {
                return try session.execute("DELETE FROM jobs WHERE \(unescaped: condition) AND queue = \(queue)")
            }
            return try session.execute("DELETE FROM jobs WHERE \(unescaped: condition)")
        }
    }

    public func deleteExpired(limit: Int) async throws -> Int {
        let now = clock.now().timeIntervalSince1970
        let statsMinute = Int(((now - policy.statsRetention) / 60).rounded(.down))
        return try await transaction { session in
            let ids = try session.query(
                "SELECT id FROM jobs WHERE expires_at < \(now) ORDER BY expires_at LIMIT \(limit) FOR UPDATE SKIP LOCKED"
            ).map { try $0.get("id", as: String.self) }
            if !ids.isEmpty {
                try session.execute("DELETE FROM jobs WHERE id = ANY(\(ids)::text[])")
                try session.execute("DELETE FROM attempts WHERE job_id = ANY(\(ids)::text[])")
            }
            try session.execute("DELETE FROM idempotency_keys WHERE created_at < \(now - 86_400)")
            // A schedule's runs only guard against a second enqueue of the same due time.
            try session.execute("DELETE FROM schedule_runs WHERE due < \(now - 7 * 86_400)")
            try session.execute("DELETE FROM task_stats WHERE minute < \(statsMinute)")
            return ids.count
        }
    }

    public func deleteFinished(ids: [String]) async throws -> [String] {
        guard !ids.isEmpty else { return [] }
        return try await transaction { session in
            let deleted = try session.query(
                "DELETE FROM jobs WHERE id = ANY(\(ids)::text[]) AND state IN ('SUCCESS','FAILURE','REVOKED') RETURNING id"
            ).map { try $0.get("id", as: String.self) }
            if !deleted.isEmpty { try session.execute("DELETE FROM attempts WHERE job_id = ANY(\(deleted)::text[])") }
            let order = Dictionary(uniqueKeysWithValues: ids.enumerated().map { ($1, $0) })
            return deleted.sorted { order[$0, default: 0] < order[$1, default: 0] }
        }
    }

    public func setPaused(queue: String, paused: Bool) async throws {
        let now = clock.now().timeIntervalSince1970
        try await session { session in
            if paused {
                try session.execute("INSERT INTO queue_pauses (name, paused_at) VALUES (\(queue), \(now)) ON CONFLICT (name) DO NOTHING")
            } else {
                try session.execute("DELETE FROM queue_pauses WHERE name = \(queue)")
                try session.execute("SELECT pg_notify(\(PostgresWakeups.channel), current_schema() || ' ' || \(queue))")
            }
        }
    }

    public func pausedQueues() async throws -> Set<String> {
        try await session { session in Set(try session.query("SELECT name FROM queue_pauses").map { try $0.get("name", as: String.self) }) }
    }

    public func retry(id: String) async throws -> RetryOutcome {
        let now = clock.now()
        return try await transaction { session -> RetryOutcome in
            guard let row = try session.first("SELECT * FROM jobs WHERE id = \(id) FOR UPDATE"),
                try row.get("expires_at", as: Double?.self).map({ $0 >= now.timeIntervalSince1970 }) ?? true
            else { return .notFound }
            let state = TaskState(rawValue: try row.get("state")) ?? .pending
            guard state == .failure || state == .revoked else { return .notFinished(state) }
            if let retried = try row.get("retried_as", as: String?.self) { return .alreadyRetried(retried) }
            let job = NewJob(name: try row.get("name"), queue: try row.get("queue"), priority: try row.get("priority"))
            let newID = try Self.insertJob(session, job, args: try row.get("args"), kwargs: try row.get("kwargs"), now: now, notify: true)
            try session.execute("UPDATE jobs SET retry_of = \(id) WHERE id = \(newID)")
            try session.execute("UPDATE jobs SET retried_as = \(newID) WHERE id = \(id)")
            return .created(newID)
        }
    }
}

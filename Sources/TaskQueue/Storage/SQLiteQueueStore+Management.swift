import Foundation
import GRDB
import SQLiteSupport

/// The operators' writes (`QueueAdminStore`): revoke, purge, result expiry, paused queues and
/// hand-retried dead letters (DESIGN.md §3).
extension SQLiteQueueStore {
    public func revoke(id: String) async throws -> TaskState? {
        let now = clock.now()
        let expires = now.addingTimeInterval(policy.resultExpires).timeIntervalSince1970
        return try await write { db in
            guard
                let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT state, name, queue FROM jobs WHERE id = ?"), arguments: [id]),
                let state = TaskState(rawValue: row["state"])
            else { return nil }
            switch try? TaskStateMachine.transition(.revoke, from: state) {
            case .moveTo(let next):
                try db.cachedStatement(
                    sql: """
                        UPDATE jobs SET state = ?, revoke_requested = 1, date_done = ?, expires_at = ?, token = token + 1
                        WHERE id = ?
                        """
                ).execute(arguments: [next.rawValue, now.timeIntervalSince1970, expires, id])
                let revoked = FinishedDelivery(name: row["name"], queue: row["queue"], startedAt: nil, now: now.timeIntervalSince1970)
                revoked.count(.revoked, ran: false, in: &(try self.hotStatements(db)).stats)
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
        try await write { db in
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
        let statsRetention = policy.statsRetention
        return try await write { db in
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
            try db.cachedStatement(sql: "DELETE FROM task_stats WHERE minute < ?")
                .execute(arguments: [Int(((now - statsRetention) / 60).rounded(.down))])
            return ids.count
        }
    }

    public func deleteFinished(ids: [String]) async throws -> [String] {
        guard !ids.isEmpty else { return [] }
        return try await write { db in
            var deleted: [String] = []
            for id in ids {
                try db.cachedStatement(sql: "DELETE FROM jobs WHERE id = ? AND state IN ('SUCCESS','FAILURE','REVOKED')")
                    .execute(arguments: [id])
                guard db.changesCount > 0 else { continue }
                try db.cachedStatement(sql: "DELETE FROM attempts WHERE job_id = ?").execute(arguments: [id])
                deleted.append(id)
            }
            return deleted
        }
    }

    public func setPaused(queue: String, paused: Bool) async throws {
        let now = clockNow().timeIntervalSince1970
        try await write { db in
            if paused {
                try db.execute(
                    sql: "INSERT OR IGNORE INTO queue_pauses (name, paused_at) VALUES (?, ?)", arguments: [queue, now])
            } else {
                try db.execute(sql: "DELETE FROM queue_pauses WHERE name = ?", arguments: [queue])
            }
        }
    }

    public func pausedQueues() async throws -> Set<String> {
        try await read { db in Set(try String.fetchAll(db, sql: "SELECT name FROM queue_pauses")) }
    }

    public func retry(id: String) async throws -> RetryOutcome {
        let now = clockNow()
        return try await write { db -> RetryOutcome in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM jobs WHERE id = ?", arguments: [id]),
                (row["expires_at"] as Double?).map({ $0 >= now.timeIntervalSince1970 }) ?? true
            else { return .notFound }
            let state = TaskState(rawValue: row["state"]) ?? .pending
            guard state == .failure || state == .revoked else { return .notFinished(state) }
            if let retried = row["retried_as"] as String? { return .alreadyRetried(retried) }
            let job = NewJob(name: row["name"], queue: row["queue"], priority: row["priority"])
            let newID = try Self.insertJob(db, job, args: row["args"], kwargs: row["kwargs"], now: now)
            try db.execute(sql: "UPDATE jobs SET retry_of = ? WHERE id = ?", arguments: [id, newID])
            try db.execute(sql: "UPDATE jobs SET retried_as = ? WHERE id = ?", arguments: [newID, id])
            return .created(newID)
        }
    }
}

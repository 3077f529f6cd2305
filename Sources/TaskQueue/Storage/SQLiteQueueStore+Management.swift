import Foundation
import GRDB

/// Paused queues and hand-retried dead letters (DESIGN.md §3 "queues", issue 8).
extension SQLiteQueueStore {
    public func setPaused(queue: String, paused: Bool) async throws {
        let now = clockNow().timeIntervalSince1970
        try await writer.write { db in
            if paused {
                try db.execute(
                    sql: "INSERT OR IGNORE INTO queue_pauses (name, paused_at) VALUES (?, ?)", arguments: [queue, now])
            } else {
                try db.execute(sql: "DELETE FROM queue_pauses WHERE name = ?", arguments: [queue])
            }
        }
    }

    public func pausedQueues() async throws -> Set<String> {
        try await pool.read { db in Set(try String.fetchAll(db, sql: "SELECT name FROM queue_pauses")) }
    }

    public func retry(id: String) async throws -> RetryOutcome {
        let now = clockNow()
        return try await writer.write { db -> RetryOutcome in
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

    public func nextDelayedRun(queues: [String], after now: Date) throws -> Date? {
        let known = noDelayedJobs.withLock { $0 }
        let unknown = queues.filter { !known.contains($0) }
        guard !unknown.isEmpty else { return nil }
        let dues = try pool.read { db in
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

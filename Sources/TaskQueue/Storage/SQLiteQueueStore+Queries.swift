import Foundation
import GRDB

/// Reads: on the WAL reader pool, never blocked by the writer.
extension SQLiteQueueStore {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .secondsSince1970
        return encoder
    }()

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        return decoder
    }()

    static func encode(_ error: TaskErrorInfo) -> String {
        (try? String(decoding: encoder.encode(error), as: UTF8.self)) ?? "{}"
    }

    static func date(_ seconds: Double) -> Date { Date(timeIntervalSince1970: seconds) }

    static func decodeArray(_ text: String) -> [JSONValue] {
        (try? JSONValue(parsing: text))?.arrayValue ?? []
    }

    static func decodeObject(_ text: String) -> [String: JSONValue] {
        (try? JSONValue(parsing: text))?.objectValue ?? [:]
    }

    private static func decodeError(_ text: String?) -> TaskErrorInfo? {
        text.flatMap { try? decoder.decode(TaskErrorInfo.self, from: Data($0.utf8)) }
    }

    static func record(_ row: Row, attempts: [Attempt]) -> JobRecord {
        JobRecord(
            id: row["id"], name: row["name"], queue: row["queue"], priority: row["priority"],
            state: TaskState(rawValue: row["state"]) ?? .pending, args: decodeArray(row["args"]),
            kwargs: decodeObject(row["kwargs"]), enqueuedAt: date(row["enqueued_at"]), runAt: date(row["run_at"]),
            startedAt: (row["started_at"] as Double?).map(date), dateDone: (row["date_done"] as Double?).map(date),
            leaseUntil: (row["lease_until"] as Double?).map(date), worker: row["worker"],
            deliveries: row["deliveries"], lostDeliveries: row["lost_deliveries"], retries: row["retries"],
            meta: (row["meta"] as String?).flatMap { try? JSONValue(parsing: $0) },
            result: (row["result"] as String?).flatMap { try? JSONValue(parsing: $0) },
            error: decodeError(row["error"]), revokeRequested: row["revoke_requested"],
            expiresAt: (row["expires_at"] as Double?).map(date), attempts: attempts)
    }

    static func attempts(_ db: Database, jobID: String) throws -> [Attempt] {
        try Row.fetchAll(
            db, sql: "SELECT * FROM attempts WHERE job_id = ? ORDER BY delivery, token", arguments: [jobID]
        ).map { row in
            Attempt(
                delivery: row["delivery"], worker: row["worker"], startedAt: date(row["started_at"]),
                finishedAt: (row["finished_at"] as Double?).map(date),
                outcome: (row["outcome"] as String?).flatMap(Attempt.Outcome.init(rawValue:)),
                error: decodeError(row["error"]))
        }
    }

    public func job(id: String) async throws -> JobLookup {
        let now = clockNow()
        return try await pool.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM jobs WHERE id = ?", arguments: [id]) else {
                return .notFound
            }
            if let expires = row["expires_at"] as Double?, expires < now.timeIntervalSince1970 { return .notFound }
            return .found(Self.record(row, attempts: try Self.attempts(db, jobID: id)))
        }
    }

    public func revokeRequested(among ids: [String]) async throws -> Set<String> {
        guard !ids.isEmpty else { return [] }
        return try await pool.read { db in
            let marks = Array(repeating: "?", count: ids.count).joined(separator: ",")
            return Set(
                try String.fetchAll(
                    db, sql: "SELECT id FROM jobs WHERE revoke_requested = 1 AND id IN (\(marks))",
                    arguments: StatementArguments(ids)))
        }
    }

    public func jobs(_ filter: JobFilter) async throws -> [JobRecord] {
        try await pool.read { db in
            var conditions: [String] = []
            var arguments: [(any DatabaseValueConvertible)?] = []
            if let state = filter.state {
                // A literal (from the enum, not user text) so the partial indexes apply.
                conditions.append("state = '\(state.rawValue)'")
            }
            if let name = filter.name {
                conditions.append("name = ?")
                arguments.append(name)
            }
            if let queue = filter.queue {
                conditions.append("queue = ?")
                arguments.append(queue)
            }
            let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            arguments.append(filter.limit)
            arguments.append(filter.offset)
            return try Row.fetchAll(
                db, sql: "SELECT * FROM jobs \(whereClause) ORDER BY id DESC LIMIT ? OFFSET ?",
                arguments: StatementArguments(arguments)
            ).map { Self.record($0, attempts: []) }
        }
    }

    public func scheduled(limit: Int) async throws -> [JobRecord] {
        let now = clockNow().timeIntervalSince1970
        return try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM jobs WHERE state IN ('PENDING','RETRY') AND run_at > ?
                    ORDER BY run_at, id LIMIT ?
                    """, arguments: [now, limit]
            ).map { Self.record($0, attempts: []) }
        }
    }

    public func running() async throws -> [JobRecord] {
        let now = clockNow().timeIntervalSince1970
        return try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT * FROM jobs WHERE state IN ('STARTED','PROGRESS') AND lease_until >= ? ORDER BY id",
                arguments: [now]
            ).map { Self.record($0, attempts: []) }
        }
    }
}

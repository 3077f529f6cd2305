import Foundation
import GRDB
import TaskQueue

/// The imports table: records are created when an import is enqueued (or by the task itself
/// when called directly) and read by the status endpoints.
public struct ImportStore: Sendable {
    public let database: CatalogDatabase

    public init(database: CatalogDatabase) {
        self.database = database
    }

    /// Creates the record of an import about to be enqueued.
    @discardableResult
    public func create(
        id: String = JobID.make(), taskID: String?, filePath: String, filename: String?, userID: String?,
        options: JSONValue = [:]
    ) async throws -> ImportRecord {
        let now = Date().timeIntervalSince1970
        return try await database.pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO imports (id, task_id, file_path, filename, user_id, options, state, stage, message, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, 'PENDING', 'parsing', 'Waiting for a worker', ?)
                    """, arguments: [id, taskID, filePath, filename, userID, options.jsonText, now])
            return ImportRecord(row: try Row.fetchOne(db, sql: "SELECT * FROM imports WHERE id = ?", arguments: [id])!)
        }
    }

    /// Links a record created before its task existed to the task's id.
    public func attach(importID: String, taskID: String) async throws {
        try await database.pool.write { db in
            try db.execute(sql: "UPDATE imports SET task_id = ? WHERE id = ?", arguments: [taskID, importID])
        }
    }

    /// Deletes a record that never ran (a duplicate submission).
    public func delete(id: String) async throws {
        try await database.pool.write { db in
            try db.execute(sql: "DELETE FROM imports WHERE id = ? AND state = 'PENDING'", arguments: [id])
        }
    }

    public func record(id: String) async throws -> ImportRecord? {
        try await database.pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM imports WHERE id = ?", arguments: [id]).map(ImportRecord.init(row:))
        }
    }

    public func record(taskID: String) async throws -> ImportRecord? {
        try await database.pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM imports WHERE task_id = ?", arguments: [taskID]).map(ImportRecord.init(row:))
        }
    }

    /// Newest first.
    public func records(limit: Int, offset: Int) async throws -> (items: [ImportRecord], total: Int) {
        try await database.pool.read { db in
            let items = try Row.fetchAll(
                db, sql: "SELECT * FROM imports ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?",
                arguments: [limit, offset]
            ).map(ImportRecord.init(row:))
            return (items, try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM imports") ?? 0)
        }
    }

    /// The kept row errors (the first 1,000), in file order.
    public func errors(importID: String, limit: Int, offset: Int) async throws -> [RowError] {
        try await database.pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM import_errors WHERE import_id = ? ORDER BY seq LIMIT ? OFFSET ?",
                arguments: [importID, limit, offset]
            ).map { RowError(line: $0["line"], column: $0["column"], reason: $0["reason"], raw: $0["raw"] ?? "") }
        }
    }
}

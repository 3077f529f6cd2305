import Foundation
import GRDB
import TaskQueue

/// The imports' records and their row errors (`ImportRecordStore`).
extension SQLiteCatalogStore {
    public func createImport(_ new: NewImport) async throws -> ImportRecord {
        let now = Date().timeIntervalSince1970
        return try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO imports (id, task_id, file_path, filename, user_id, options, state, stage, message, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, 'PENDING', 'parsing', 'Waiting for a worker', ?)
                    """,
                arguments: [new.id, new.taskID, new.filePath, new.filename, new.userID, new.options.jsonText, now])
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM imports WHERE id = ?", arguments: [new.id]) else {
                throw CatalogError.importNotFound(new.id)
            }
            return Self.importRecord(row)
        }
    }

    public func attachImport(id: String, taskID: String) async throws {
        try await write { db in
            try db.execute(sql: "UPDATE imports SET task_id = ? WHERE id = ?", arguments: [taskID, id])
        }
    }

    public func deleteUnstartedImport(id: String) async throws {
        try await write { db in
            try db.execute(sql: "DELETE FROM imports WHERE id = ? AND state = 'PENDING'", arguments: [id])
        }
    }

    public func importRecord(id: String) async throws -> ImportRecord? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM imports WHERE id = ?", arguments: [id]).map(Self.importRecord)
        }
    }

    public func importRecord(taskID: String) async throws -> ImportRecord? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM imports WHERE task_id = ?", arguments: [taskID]).map(Self.importRecord)
        }
    }

    public func importRecords(limit: Int, offset: Int) async throws -> (items: [ImportRecord], total: Int) {
        try await read { db in
            let items = try Row.fetchAll(
                db, sql: "SELECT * FROM imports ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?",
                arguments: [limit, offset]
            ).map(Self.importRecord)
            return (items, try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM imports") ?? 0)
        }
    }

    public func importErrors(importID: String, limit: Int, offset: Int) async throws -> [RowError] {
        try await read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM import_errors WHERE import_id = ? ORDER BY seq LIMIT ? OFFSET ?",
                arguments: [importID, limit, offset]
            ).map { RowError(line: $0["line"], column: $0["column"], reason: $0["reason"], raw: $0["raw"] ?? "") }
        }
    }

    public func createImportRetry(of originalID: String, id: String) async throws -> ImportRecord {
        let now = Date().timeIntervalSince1970
        return try await write { db in
            guard let original = try Row.fetchOne(db, sql: "SELECT * FROM imports WHERE id = ?", arguments: [originalID]).map(Self.importRecord)
            else { throw CatalogError.importNotFound(originalID) }
            guard original.state == .failure || original.state == .revoked else {
                throw CatalogError.notFailed(importID: originalID, state: original.state.rawValue)
            }
            if let retry = try String.fetchOne(db, sql: "SELECT id FROM imports WHERE retry_of = ?", arguments: [originalID]) {
                throw CatalogError.alreadyRetried(importID: originalID, as: retry)
            }
            try db.execute(
                sql: """
                    INSERT INTO imports (id, file_path, filename, user_id, options, state, stage, message, created_at, retry_of)
                    VALUES (?, ?, ?, ?, ?, 'PENDING', 'parsing', 'Waiting for a worker', ?, ?)
                    """,
                arguments: [id, original.filePath, original.filename, original.userID, original.options.jsonText, now, originalID])
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM imports WHERE id = ?", arguments: [id]) else {
                throw CatalogError.importNotFound(id)
            }
            return Self.importRecord(row)
        }
    }

    // MARK: For the product tasks

    public func importForTask(taskID: String, importID: String?, new: NewImport) throws -> String {
        try writeSync { db -> String in
            if let id = importID,
                try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM imports WHERE id = ?)", arguments: [id]) == true
            {
                try db.execute(sql: "UPDATE imports SET task_id = ? WHERE id = ? AND task_id IS NULL", arguments: [taskID, id])
                return id
            }
            if let id = try String.fetchOne(db, sql: "SELECT id FROM imports WHERE task_id = ?", arguments: [taskID]) {
                return id
            }
            try db.execute(
                sql: """
                    INSERT INTO imports (id, task_id, file_path, filename, user_id, options, state, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, 'PENDING', ?)
                    """,
                arguments: [
                    new.id, taskID, new.filePath, new.filename, new.userID, new.options.jsonText, Date().timeIntervalSince1970,
                ])
            return new.id
        }
    }

    public func failImport(id: String, message: String) throws {
        try writeSync { db, outbox in
            try db.execute(
                sql: """
                    UPDATE imports SET state = 'FAILURE', stage = 'failed', message = ?, error = ?, finished_at = ?
                    WHERE id = ?
                    """, arguments: [message, message, Date().timeIntervalSince1970, id])
            if let record = try Self.importRecord(db, id: id) {
                try outbox.record(db, .importFailed, data: record.failedEvent(message))
            }
        }
    }

    public func revokeUnstartedImport(taskID: String) async throws -> Bool {
        try await write { db in
            try db.execute(
                sql: """
                    UPDATE imports SET state = 'REVOKED', stage = 'failed', message = 'Revoked', finished_at = ?
                    WHERE task_id = ? AND state = 'PENDING'
                    """, arguments: [Date().timeIntervalSince1970, taskID])
            return db.changesCount > 0
        }
    }

    public func deleteFinishedImports(createdBefore cutoff: Date) throws -> Int {
        try writeSync { db -> Int in
            let ids = try String.fetchAll(
                db,
                sql: "SELECT id FROM imports WHERE created_at < ? AND state IN ('SUCCESS','FAILURE','REVOKED')",
                arguments: [cutoff.timeIntervalSince1970])
            for id in ids {
                try db.execute(sql: "DELETE FROM import_errors WHERE import_id = ?", arguments: [id])
                try db.execute(sql: "DELETE FROM imports WHERE id = ?", arguments: [id])
            }
            return ids.count
        }
    }

    public func unfinishedImportFiles() throws -> Set<String> {
        try readSync { db in
            Set(try String.fetchAll(db, sql: "SELECT file_path FROM imports WHERE state IN ('PENDING','RUNNING')"))
        }
    }

    // MARK: Rows

    static func importRecord(_ row: Row) -> ImportRecord {
        ImportRecord(
            id: row["id"], taskID: row["task_id"], filePath: row["file_path"], filename: row["filename"],
            userID: row["user_id"],
            options: .object((try? JSONValue(parsing: row["options"] as String))?.objectValue ?? [:]),
            state: ImportRecord.State(rawValue: row["state"]) ?? .pending, stage: row["stage"], message: row["message"],
            error: row["error"],
            warnings: ((try? JSONValue(parsing: row["warnings"] as String))?.arrayValue ?? []).compactMap(\.stringValue),
            created: row["created"], updated: row["updated"], skipped: row["skipped"], rowsProcessed: row["rows_processed"],
            errorCount: row["error_count"], bytesRead: row["bytes_read"], bytesTotal: row["bytes_total"],
            rowsMerged: row["rows_merged"], checkpointKey: (row["checkpoint_key"] as Data?).map { [UInt8]($0) },
            createdAt: Date(timeIntervalSince1970: row["created_at"]),
            startedAt: (row["started_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
            finishedAt: (row["finished_at"] as Double?).map(Date.init(timeIntervalSince1970:)), retryOf: row["retry_of"])
    }
}

import Common
import Foundation
import PostgresNIO
import PostgresSupport
import TaskQueue

/// The imports' records and their row errors (`ImportRecordStore`) on PostgreSQL.
extension PostgresCatalogStore {
    public func createImport(_ new: NewImport) async throws -> ImportRecord {
        let now = Self.now
        return try await session { session in
            guard
                let row = try session.first(
                    """
                    INSERT INTO imports (id, task_id, file_path, filename, user_id, options, state, stage, message, created_at)
                    VALUES (\(new.id), \(new.taskID), \(new.filePath), \(new.filename), \(new.userID), \(new.options.jsonText),
                        'PENDING', 'parsing', 'Waiting for a worker', \(now))
                    RETURNING *
                    """)
            else { throw CatalogError.importNotFound(new.id) }
            return try Self.importRecord(row)
        }
    }

    public func attachImport(id: String, taskID: String) async throws {
        try await session { session in
            try session.execute("UPDATE imports SET task_id = \(taskID) WHERE id = \(id)")
        }
    }

    public func deleteUnstartedImport(id: String) async throws {
        try await session { session in
            try session.execute("DELETE FROM imports WHERE id = \(id) AND state = 'PENDING'")
        }
    }

    public func importRecord(id: String) async throws -> ImportRecord? {
        try await session { session in try Self.importRecord(session, id: id) }
    }

    public func importRecord(taskID: String) async throws -> ImportRecord? {
        try await session { session in
            try session.first("SELECT * FROM imports WHERE task_id = \(taskID)").map(Self.importRecord)
        }
    }

    public func importRecords(limit: Int, offset: Int) async throws -> (items: [ImportRecord], total: Int) {
        try await session { session in
            let items = try session.query("SELECT * FROM imports ORDER BY created_at DESC, id DESC LIMIT \(limit) OFFSET \(offset)")
                .map(Self.importRecord)
            return (items, try session.first("SELECT COUNT(*) AS n FROM imports")?.get("n", as: Int.self) ?? 0)
        }
    }

    public func importErrors(importID: String, limit: Int, offset: Int) async throws -> [RowError] {
        try await session { session in
            try session.query(
                "SELECT * FROM import_errors WHERE import_id = \(importID) ORDER BY seq LIMIT \(limit) OFFSET \(offset)"
            ).map { row in
                RowError(
                    line: try row.get("line"), column: try row.get("column", as: String?.self), reason: try row.get("reason"),
                    raw: try row.get("raw", as: String?.self) ?? "")
            }
        }
    }

    public func createImportRetry(of originalID: String, id: String) async throws -> ImportRecord {
        let now = Self.now
        return try await transaction { session in
            guard let original = try session.first("SELECT * FROM imports WHERE id = \(originalID) FOR UPDATE").map(Self.importRecord)
            else { throw CatalogError.importNotFound(originalID) }
            guard original.state == .failure || original.state == .revoked else {
                throw CatalogError.notFailed(importID: originalID, state: original.state.rawValue)
            }
            if let retry = try session.first("SELECT id FROM imports WHERE retry_of = \(originalID)") {
                throw CatalogError.alreadyRetried(importID: originalID, as: try retry.get("id"))
            }
            guard
                let row = try session.first(
                    """
                    INSERT INTO imports (id, file_path, filename, user_id, options, state, stage, message, created_at, retry_of)
                    VALUES (\(id), \(original.filePath), \(original.filename), \(original.userID), \(original.options.jsonText),
                        'PENDING', 'parsing', 'Waiting for a worker', \(now), \(originalID))
                    RETURNING *
                    """)
            else { throw CatalogError.importNotFound(id) }
            return try Self.importRecord(row)
        }
    }

    // MARK: For the product tasks

    public func importForTask(taskID: String, importID: String?, new: NewImport) throws -> String {
        try transactionSync { session -> String in
            if let id = importID, try session.first("SELECT 1 FROM imports WHERE id = \(id)") != nil {
                try session.execute("UPDATE imports SET task_id = \(taskID) WHERE id = \(id) AND task_id IS NULL")
                return id
            }
            if let row = try session.first("SELECT id FROM imports WHERE task_id = \(taskID)") {
                return try row.get("id")
            }
            // Two deliveries of one task racing here make one record (task_id is unique).
            let inserted = try session.first(
                """
                INSERT INTO imports (id, task_id, file_path, filename, user_id, options, state, created_at)
                VALUES (\(new.id), \(taskID), \(new.filePath), \(new.filename), \(new.userID), \(new.options.jsonText), 'PENDING',
                    \(Self.now))
                ON CONFLICT (task_id) DO UPDATE SET task_id = EXCLUDED.task_id
                RETURNING id
                """)
            return try inserted?.get("id") ?? new.id
        }
    }

    public func failImport(id: String, message: String) throws {
        try transactionSync { session, outbox in
            try session.execute(
                """
                UPDATE imports SET state = 'FAILURE', stage = 'failed', message = \(message), error = \(message),
                    finished_at = \(Self.now)
                WHERE id = \(id)
                """)
            if let record = try Self.importRecord(session, id: id) {
                try outbox.record(session, .importFailed, data: record.failedEvent(message))
            }
        }
    }

    public func revokeUnstartedImport(taskID: String) async throws -> Bool {
        try await session { session in
            try session.execute(
                """
                UPDATE imports SET state = 'REVOKED', stage = 'failed', message = 'Revoked', finished_at = \(Self.now)
                WHERE task_id = \(taskID) AND state = 'PENDING'
                """) > 0
        }
    }

    public func deleteFinishedImports(createdBefore cutoff: Date) throws -> Int {
        try transactionSync { session -> Int in
            let ids = try session.query(
                """
                DELETE FROM imports WHERE created_at < \(cutoff.timeIntervalSince1970) AND state IN ('SUCCESS','FAILURE','REVOKED')
                RETURNING id
                """
            ).map { try $0.get("id", as: String.self) }
            if !ids.isEmpty { try session.execute("DELETE FROM import_errors WHERE import_id = ANY(\(ids))") }
            return ids.count
        }
    }

    public func unfinishedImportFiles() throws -> Set<String> {
        try sessionSync { session in
            Set(try session.query("SELECT file_path FROM imports WHERE state IN ('PENDING','RUNNING')").map { try $0.get("file_path") })
        }
    }

    // MARK: Rows

    static func importRecord(_ session: PostgresSession, id: String) throws -> ImportRecord? {
        try session.first("SELECT * FROM imports WHERE id = \(id)").map(importRecord)
    }

    static func importRecord(_ row: PostgresRandomAccessRow) throws -> ImportRecord {
        ImportRecord(
            id: try row.get("id"), taskID: try row.get("task_id"), filePath: try row.get("file_path"),
            filename: try row.get("filename"), userID: try row.get("user_id"),
            options: .object(try json(row, "options")?.objectValue ?? [:]),
            state: ImportRecord.State(rawValue: try row.get("state")) ?? .pending, stage: try row.get("stage"),
            message: try row.get("message"), error: try row.get("error"),
            warnings: (try json(row, "warnings")?.arrayValue ?? []).compactMap(\.stringValue),
            created: try row.get("created"), updated: try row.get("updated"), skipped: try row.get("skipped"),
            rowsProcessed: try row.get("rows_processed"), errorCount: try row.get("error_count"),
            bytesRead: try row.get("bytes_read"), bytesTotal: try row.get("bytes_total"), rowsMerged: try row.get("rows_merged"),
            checkpointKey: try row.get("checkpoint_key", as: Data?.self).map { [UInt8]($0) },
            createdAt: try date(row, "created_at"), startedAt: try optionalDate(row, "started_at"),
            finishedAt: try optionalDate(row, "finished_at"), retryOf: try row.get("retry_of"))
    }
}

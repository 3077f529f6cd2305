import Foundation
import GRDB
import TaskQueue

/// What a running import writes (`ImportRunStore`): the catalogue lock (one row: which import,
/// and which delivery of it by its lease token, may write), the record's progress, and the
/// batches of products, each fenced by the lock in its own transaction.
extension SQLiteCatalogStore {
    public func takeCatalogLock(_ fence: ImportFence, staleAfter: TimeInterval) throws -> Bool {
        try writeSync { db -> Bool in
            let now = Date().timeIntervalSince1970
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT l.import_id, l.heartbeat_at, i.state, l.token FROM catalog_lock l
                    LEFT JOIN imports i ON i.id = l.import_id WHERE l.id = 1
                    """)
            let holder: String? = row?[0]
            let heartbeat: Double = row?[1] ?? 0
            let holderState: String? = row?[2]
            let holderToken: Int64 = row?[3] ?? 0
            if holder == fence.importID && holderToken > fence.token {
                throw CatalogError.lockLost("a newer delivery of this import holds the catalogue lock: this one stops")
            }
            let free =
                holder == nil || holder == fence.importID || now - heartbeat > staleAfter
                || ["SUCCESS", "FAILURE", "REVOKED"].contains(holderState ?? "SUCCESS")
            guard free else { return false }
            try db.execute(
                sql: "UPDATE catalog_lock SET import_id = ?, token = ?, heartbeat_at = ? WHERE id = 1",
                arguments: [fence.importID, fence.token, now])
            return true
        }
    }

    public func releaseCatalogLock(_ fence: ImportFence) throws {
        try writeSync { db in
            try db.execute(
                sql: "UPDATE catalog_lock SET import_id = NULL WHERE id = 1 AND import_id = ? AND token = ?",
                arguments: [fence.importID, fence.token])
        }
    }

    /// Inside a write: refuses it unless this delivery still holds the lock (and keeps the
    /// lock's heartbeat fresh).
    static func fence(_ db: Database, _ fence: ImportFence) throws {
        try db.execute(
            sql: "UPDATE catalog_lock SET heartbeat_at = ? WHERE id = 1 AND import_id = ? AND token = ?",
            arguments: [Date().timeIntervalSince1970, fence.importID, fence.token])
        guard db.changesCount == 1 else {
            throw CatalogError.lockLost("another delivery of this import holds the catalogue lock: this one stops")
        }
    }

    public func revokeUnstartedImport(id: String) throws {
        try writeSync { db in
            try db.execute(
                sql: """
                    UPDATE imports SET state = 'REVOKED', stage = 'failed', message = 'Revoked', finished_at = ?
                    WHERE id = ? AND state = 'PENDING'
                    """, arguments: [Date().timeIntervalSince1970, id])
        }
    }

    public func runningImport(id: String) throws -> ImportRecord? {
        try readSync { db in
            try Row.fetchOne(db, sql: "SELECT * FROM imports WHERE id = ?", arguments: [id]).map(Self.importRecord)
        }
    }

    public func markImportRunning(_ fence: ImportFence, bytesTotal: Int64, warnings: [String]) throws {
        try writeSync { db in
            try Self.fence(db, fence)
            try db.execute(
                sql: """
                    UPDATE imports SET state = 'RUNNING', stage = 'parsing', message = 'Parsing CSV', bytes_total = ?,
                        bytes_read = 0, warnings = ?, started_at = COALESCE(started_at, ?)
                    WHERE id = ?
                    """,
                arguments: [
                    bytesTotal, JSONValue.array(warnings.map { .string($0) }).jsonText, Date().timeIntervalSince1970,
                    fence.importID,
                ])
        }
    }

    public func recordReading(_ fence: ImportFence, _ progress: ImportReading) throws {
        try writeSync { db in
            try Self.fence(db, fence)
            try db.execute(
                sql: "UPDATE imports SET skipped = ?, error_count = ?, rows_processed = ?, bytes_read = ? WHERE id = ?",
                arguments: [progress.skipped, progress.skipped, progress.rows, progress.bytesRead, fence.importID])
        }
    }

    public func recordRead(_ fence: ImportFence, _ progress: ImportReading, errors: [RowError]) throws {
        try writeSync { db in
            try Self.fence(db, fence)
            try db.execute(sql: "DELETE FROM import_errors WHERE import_id = ?", arguments: [fence.importID])
            for (index, error) in errors.enumerated() {
                try db.execute(
                    sql: "INSERT INTO import_errors (import_id, seq, line, column, reason, raw) VALUES (?, ?, ?, ?, ?, ?)",
                    arguments: [fence.importID, index + 1, error.line, error.column, error.reason, error.raw])
            }
            try db.execute(
                sql: """
                    UPDATE imports SET skipped = ?, error_count = ?, rows_processed = ?, bytes_read = ?,
                        stage = 'importing', message = 'Importing'
                    WHERE id = ?
                    """,
                arguments: [progress.skipped, progress.skipped, progress.rows, progress.bytesRead, fence.importID])
        }
    }

    public func writeImport<T>(_ fence: ImportFence, _ body: (any ImportTransaction) throws -> T) throws -> T {
        try immediateTransaction { db in
            try Self.fence(db, fence)
            let transaction = SQLiteImportTransaction(db: db, statements: try statements(db), fence: fence)
            let value = try body(transaction)
            // The product count follows every product created, in the same transaction.
            if transaction.created > 0 {
                try db.execute(
                    sql: "UPDATE catalog_stats SET products = products + ? WHERE id = 1", arguments: [transaction.created])
            }
            return value
        }
    }

    public func finishImport(_ fence: ImportFence, _ outcome: ImportOutcome) throws {
        try writeSync { db in
            try Self.fence(db, fence)
            try db.execute(
                sql: """
                    UPDATE imports SET state = ?, stage = ?, message = ?, error = ?, finished_at = ?,
                        bytes_read = CASE WHEN ? = 'SUCCESS' THEN bytes_total ELSE bytes_read END
                    WHERE id = ?
                    """,
                arguments: [
                    outcome.state.rawValue, outcome.stage, outcome.message, outcome.error, Date().timeIntervalSince1970,
                    outcome.state.rawValue, fence.importID,
                ])
        }
    }

    /// The writer's page cache while an import writes (KiB).
    static let importCacheKiB = 8192

    public func beginImportWrites() throws {
        try writerConnection { db in try db.execute(sql: "PRAGMA cache_size = -\(Self.importCacheKiB)") }
    }

    /// The writer connection outlives the import: its page cache shrinks to the default.
    public func endImportWrites() {
        _ = try? writerConnection { db in
            try db.execute(sql: "PRAGMA cache_size = -2000")
            try db.execute(sql: "PRAGMA shrink_memory")
        }
    }
}

import Foundation
import GRDB
import SQLiteSupport
import TaskQueue

/// The catalogue lock (one row: which import or bulk delete, and which delivery of it by its
/// lease token, may write) and what a running import writes (`ImportRunStore`): the record's
/// progress and the batches of products, each fenced by the lock in its own transaction.
extension SQLiteCatalogStore {
    public func takeCatalogLock(_ fence: CatalogFence, staleAfter: TimeInterval) throws -> Bool {
        try writeSync { db -> Bool in
            let now = Date().timeIntervalSince1970
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT l.import_id, l.heartbeat_at, COALESCE(i.state, d.state), l.token FROM catalog_lock l
                    LEFT JOIN imports i ON i.id = l.import_id LEFT JOIN bulk_deletes d ON d.id = l.import_id
                    WHERE l.id = 1
                    """)
            let holder: String? = row?[0]
            let heartbeat: Double = row?[1] ?? 0
            let holderState: String? = row?[2]
            let holderToken: Int64 = row?[3] ?? 0
            if holder == fence.holder && holderToken > fence.token {
                throw CatalogError.lockLost("a newer delivery of this import holds the catalogue lock: this one stops")
            }
            let free =
                holder == nil || holder == fence.holder || now - heartbeat > staleAfter
                || ["SUCCESS", "FAILURE", "REVOKED"].contains(holderState ?? "SUCCESS")
            guard free else { return false }
            try db.execute(
                sql: "UPDATE catalog_lock SET import_id = ?, token = ?, heartbeat_at = ? WHERE id = 1",
                arguments: [fence.holder, fence.token, now])
            return true
        }
    }

    public func releaseCatalogLock(_ fence: CatalogFence) throws {
        try writeSync { db in
            try db.execute(
                sql: "UPDATE catalog_lock SET import_id = NULL WHERE id = 1 AND import_id = ? AND token = ?",
                arguments: [fence.holder, fence.token])
        }
    }

    /// Inside a write: refuses it unless this delivery still holds the lock (and keeps the
    /// lock's heartbeat fresh).
    static func fence(_ db: Database, _ fence: CatalogFence) throws {
        try db.execute(
            sql: "UPDATE catalog_lock SET heartbeat_at = ? WHERE id = 1 AND import_id = ? AND token = ?",
            arguments: [Date().timeIntervalSince1970, fence.holder, fence.token])
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

    public func markImportRunning(_ fence: CatalogFence, bytesTotal: Int64, warnings: [String]) throws {
        try writeSync { db, outbox in
            try Self.fence(db, fence)
            let firstRun = try Bool.fetchOne(
                db, sql: "SELECT started_at IS NULL FROM imports WHERE id = ?", arguments: [fence.holder]) ?? false
            try db.execute(
                sql: """
                    UPDATE imports SET state = 'RUNNING', stage = 'parsing', message = 'Parsing CSV', bytes_total = ?,
                        bytes_read = 0, warnings = ?, started_at = COALESCE(started_at, ?)
                    WHERE id = ?
                    """,
                arguments: [
                    bytesTotal, JSONValue.array(warnings.map { .string($0) }).jsonText, Date().timeIntervalSince1970,
                    fence.holder,
                ])
            // The first run only: a redelivery or retry does not start the import again.
            if firstRun, let record = try Self.importRecord(db, id: fence.holder) {
                try outbox.record(db, .importStarted, data: record.eventData)
            }
        }
    }

    public func recordReading(_ fence: CatalogFence, _ progress: ImportReading) throws {
        try writeSync { db in
            try Self.fence(db, fence)
            try db.execute(
                sql: "UPDATE imports SET skipped = ?, error_count = ?, rows_processed = ?, bytes_read = ? WHERE id = ?",
                arguments: [progress.skipped, progress.skipped, progress.rows, progress.bytesRead, fence.holder])
        }
    }

    public func recordRead(_ fence: CatalogFence, _ progress: ImportReading, errors: [RowError]) throws {
        try writeSync { db in
            try Self.fence(db, fence)
            try db.execute(sql: "DELETE FROM import_errors WHERE import_id = ?", arguments: [fence.holder])
            for (index, error) in errors.enumerated() {
                try db.execute(
                    sql: "INSERT INTO import_errors (import_id, seq, line, column, reason, raw) VALUES (?, ?, ?, ?, ?, ?)",
                    arguments: [fence.holder, index + 1, error.line, error.column, error.reason, error.raw])
            }
            try db.execute(
                sql: """
                    UPDATE imports SET skipped = ?, error_count = ?, rows_processed = ?, bytes_read = ?,
                        stage = 'importing', message = 'Importing'
                    WHERE id = ?
                    """,
                arguments: [progress.skipped, progress.skipped, progress.rows, progress.bytesRead, fence.holder])
        }
    }

    public func writeImport<T>(_ fence: CatalogFence, _ body: (any ImportTransaction) throws -> T) throws -> T {
        try immediateTransaction { db in
            try Self.fence(db, fence)
            let transaction = SQLiteImportTransaction(db: db, statements: try statements(db), fence: fence)
            let value = try body(transaction)
            // The product count follows every product created, in the same transaction.
            try Self.changeProductCount(db, by: transaction.created)
            return value
        }
    }

    public func finishImport(_ fence: CatalogFence, _ outcome: ImportOutcome) throws {
        try writeSync { db, outbox in
            try Self.fence(db, fence)
            try db.execute(
                sql: """
                    UPDATE imports SET state = ?, stage = ?, message = ?, error = ?, finished_at = ?,
                        bytes_read = CASE WHEN ? = 'SUCCESS' THEN bytes_total ELSE bytes_read END
                    WHERE id = ?
                    """,
                arguments: [
                    outcome.state.rawValue, outcome.stage, outcome.message, outcome.error, Date().timeIntervalSince1970,
                    outcome.state.rawValue, fence.holder,
                ])
            if let record = try Self.importRecord(db, id: fence.holder), let (event, data) = record.finishEvent(outcome) {
                try outbox.record(db, event, data: data)
            }
        }
    }

    static func importRecord(_ db: Database, id: String) throws -> ImportRecord? {
        try Row.fetchOne(db, sql: "SELECT * FROM imports WHERE id = ?", arguments: [id]).map(Self.importRecord)
    }

    /// The writer's page cache while a long operation writes (KiB).
    static let bulkCacheKiB = 8192

    /// Between long operations the writer checkpoints the WAL once it holds this many frames: a
    /// manual write now and then pays for a small checkpoint instead of one in a hundred for a
    /// 4,000-frame one (measured with 4 KiB pages: PUT p99 9 ms instead of 36 ms at 16
    /// connections). Counted in frames, not bytes: a checkpoint's cost is its distinct pages'
    /// writes and syncs, and a short write dirties about as many 16 KiB pages as 4 KiB ones.
    /// At 64 frames (1 MiB of 16 KiB pages) a webhook attempt record checkpointed every 7th
    /// commit and took 4.1–4.4 ms, most of it waiting for the writer; at 256, 2.3–2.5 ms.
    static let shortWriteCheckpoint = Autocheckpoint.pages(256)

    /// While an import or a bulk delete writes, the writer's own checkpoint runs rarely and finds
    /// little left to copy (the background checkpointer keeps up): its batches stay fast.
    static let bulkWriteCheckpoint = Autocheckpoint.bytes(16 << 20)

    public func beginBulkWrites() throws {
        try writerConnection { db in
            try db.execute(sql: "PRAGMA cache_size = -\(Self.bulkCacheKiB)")
            try Self.bulkWriteCheckpoint.apply(to: db)
        }
    }

    /// The writer connection outlives the operation: its page cache shrinks to the default.
    public func endBulkWrites() {
        _ = try? writerConnection { db in
            try Self.shortWriteCheckpoint.apply(to: db)
            try db.execute(sql: "PRAGMA cache_size = -2000")
            try db.execute(sql: "PRAGMA shrink_memory")
        }
    }
}

import Common
import Foundation
import PostgresNIO
import PostgresSupport
import TaskQueue

/// The catalogue lock and what a running import writes (`ImportRunStore`) on PostgreSQL. The
/// lock is one row: every fenced write updates it first, so it stays locked by that transaction
/// until the commit — a newer delivery cannot take the lock in the middle of a batch.
extension PostgresCatalogStore {
    public func takeCatalogLock(_ fence: CatalogFence, staleAfter: TimeInterval) throws -> Bool {
        try transactionSync { session -> Bool in
            let now = Self.now
            // A row locked now is being written by its holder's batch: not free.
            guard
                let row = try session.first(
                    """
                    SELECT l.import_id, l.heartbeat_at, l.token, COALESCE(i.state, d.state) AS holder_state FROM catalog_lock l
                    LEFT JOIN imports i ON i.id = l.import_id LEFT JOIN bulk_deletes d ON d.id = l.import_id
                    WHERE l.id = 1 FOR UPDATE OF l SKIP LOCKED
                    """)
            else { return false }
            let holder = try row.get("import_id", as: String?.self)
            let heartbeat = try row.get("heartbeat_at", as: Double.self)
            let holderToken = try row.get("token", as: Int64.self)
            let holderState = try row.get("holder_state", as: String?.self)
            if holder == fence.holder && holderToken > fence.token {
                throw CatalogError.lockLost("a newer delivery of this import holds the catalogue lock: this one stops")
            }
            let free =
                holder == nil || holder == fence.holder || now - heartbeat > staleAfter
                || ["SUCCESS", "FAILURE", "REVOKED"].contains(holderState ?? "SUCCESS")
            guard free else { return false }
            try session.execute(
                "UPDATE catalog_lock SET import_id = \(fence.holder), token = \(fence.token), heartbeat_at = \(now) WHERE id = 1")
            return true
        }
    }

    public func releaseCatalogLock(_ fence: CatalogFence) throws {
        try sessionSync { session in
            try session.execute(
                "UPDATE catalog_lock SET import_id = NULL WHERE id = 1 AND import_id = \(fence.holder) AND token = \(fence.token)")
        }
    }

    /// Inside a transaction: refuses it unless this delivery still holds the lock (keeping the
    /// lock's heartbeat fresh, and its row locked until the commit).
    static func fence(_ session: PostgresSession, _ fence: CatalogFence) throws {
        let held = try session.execute(
            """
            UPDATE catalog_lock SET heartbeat_at = \(now) WHERE id = 1 AND import_id = \(fence.holder) AND token = \(fence.token)
            """)
        guard held == 1 else {
            throw CatalogError.lockLost("another delivery of this import holds the catalogue lock: this one stops")
        }
    }

    public func revokeUnstartedImport(id: String) throws {
        try sessionSync { session in
            try session.execute(
                """
                UPDATE imports SET state = 'REVOKED', stage = 'failed', message = 'Revoked', finished_at = \(Self.now)
                WHERE id = \(id) AND state = 'PENDING'
                """)
        }
    }

    public func runningImport(id: String) throws -> ImportRecord? {
        try sessionSync { session in try Self.importRecord(session, id: id) }
    }

    public func markImportRunning(_ fence: CatalogFence, bytesTotal: Int64, warnings: [String]) throws {
        try transactionSync { session, outbox in
            try Self.fence(session, fence)
            let firstRun = try session.first("SELECT started_at IS NULL AS first FROM imports WHERE id = \(fence.holder)")?
                .get("first", as: Bool.self) ?? false
            let warningsText = JSONValue.array(warnings.map { .string($0) }).jsonText
            try session.execute(
                """
                UPDATE imports SET state = 'RUNNING', stage = 'parsing', message = 'Parsing CSV', bytes_total = \(bytesTotal),
                    bytes_read = 0, warnings = \(warningsText), started_at = COALESCE(started_at, \(Self.now))
                WHERE id = \(fence.holder)
                """)
            // The first run only: a redelivery or retry does not start the import again.
            if firstRun, let record = try Self.importRecord(session, id: fence.holder) {
                try outbox.record(session, .importStarted, data: record.eventData)
            }
        }
    }

    public func recordReading(_ fence: CatalogFence, _ progress: ImportReading) throws {
        try transactionSync { session in
            try Self.fence(session, fence)
            try session.execute(
                """
                UPDATE imports SET skipped = \(progress.skipped), error_count = \(progress.skipped), rows_processed = \(progress.rows),
                    bytes_read = \(progress.bytesRead)
                WHERE id = \(fence.holder)
                """)
        }
    }

    public func recordRead(_ fence: CatalogFence, _ progress: ImportReading, errors: [RowError]) throws {
        try transactionSync { session in
            try Self.fence(session, fence)
            try session.execute("DELETE FROM import_errors WHERE import_id = \(fence.holder)")
            if !errors.isEmpty {
                var rows = CopyText(capacity: 64 << 10)
                for (index, error) in errors.enumerated() {
                    rows.field(fence.holder)
                    rows.field(index + 1)
                    rows.field(error.line)
                    rows.field(error.column)
                    // A row refused for its NUL byte is kept with U+FFFD there: PostgreSQL's text holds no NUL.
                    rows.field(error.reason)
                    rows.field(Self.storable(error.raw))
                    rows.endRow()
                }
                try session.copy(into: "import_errors", columns: ["import_id", "seq", "line", "column", "reason", "raw"], rows.buffer)
            }
            try session.execute(
                """
                UPDATE imports SET skipped = \(progress.skipped), error_count = \(progress.skipped), rows_processed = \(progress.rows),
                    bytes_read = \(progress.bytesRead), stage = 'importing', message = 'Importing'
                WHERE id = \(fence.holder)
                """)
        }
    }

    public func writeImport<T>(_ fence: CatalogFence, _ body: (any ImportTransaction) throws -> T) throws -> T {
        try transactionSync { session in
            try Self.fence(session, fence)
            let transaction = try PostgresImportTransaction(session: session, fence: fence)
            return try body(transaction)
        }
    }

    public func finishImport(_ fence: CatalogFence, _ outcome: ImportOutcome) throws {
        try transactionSync { session, outbox in
            try Self.fence(session, fence)
            guard
                let row = try session.first(
                    """
                    UPDATE imports SET state = \(outcome.state.rawValue), stage = \(outcome.stage), message = \(outcome.message),
                        error = \(outcome.error), finished_at = \(Self.now),
                        bytes_read = CASE WHEN \(outcome.state.rawValue) = 'SUCCESS' THEN bytes_total ELSE bytes_read END
                    WHERE id = \(fence.holder)
                    RETURNING *
                    """)
            else { return }
            if let (event, data) = try Self.importRecord(row).finishEvent(outcome) {
                try outbox.record(session, event, data: data)
            }
        }
    }

    /// PostgreSQL needs no tuning for the lock holder's batches: its writes go to the server.
    public func beginBulkWrites() throws {}
    public func endBulkWrites() {}
}

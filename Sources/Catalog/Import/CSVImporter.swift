import Foundation
import GRDB
import TaskQueue

/// What an import reports to, and is stopped by, while it runs (the task's context).
public protocol ImportMonitor: Sendable {
    /// Throws when the import must stop (revoked, shutdown): checked at batch boundaries.
    func checkCancellation() throws
    /// Best-effort progress `meta` (DESIGN.md §7).
    func progress(_ meta: JSONValue)
}

/// The counts of a finished import, as the task's result (DESIGN.md §7).
public struct ImportSummary: Sendable, Equatable {
    public var importID: String
    public var created: Int
    public var updated: Int
    public var skipped: Int
    public var rowsProcessed: Int
    public var durationSeconds: Double

    public var json: JSONValue {
        [
            "import_id": .string(importID), "created": .int(Int64(created)), "updated": .int(Int64(updated)),
            "skipped": .int(Int64(skipped)), "rows_processed": .int(Int64(rowsProcessed)),
            "duration_seconds": .double((durationSeconds * 1000).rounded() / 1000),
        ]
    }
}

/// Imports one CSV file into the catalogue (DESIGN.md §7): streaming parse, validation, batches
/// deduplicated (last row wins) and sorted by SKU key before the upsert (B-tree locality), each
/// batch committed with its checkpoint and fenced by this delivery's token in the catalogue lock.
/// A redelivered or retried import resumes from its checkpoint.
public final class CSVImporter {
    let database: CatalogDatabase
    let importID: String
    let path: String
    let token: Int64
    let options: ImportOptions
    let monitor: any ImportMonitor
    private let lock: CatalogLock
    private var counts = Counts()
    private var lastProgress = Date.distantPast
    private let started = Date()
    /// The upsert, prepared on the catalogue's writer connection at the first batch.
    private var upsertStatement: RawStatement?
    /// Batch timestamps strictly increase: a product created in an earlier batch is never
    /// mistaken for one created in this one (see `upsert`).
    private var lastBatchTime = 0.0

    struct Counts {
        var created = 0
        var updated = 0
        var skipped = 0
        var rows = 0
        /// Row errors kept in `import_errors` (the first 1,000); all are counted in `skipped`.
        var kept = 0
        var bytesRead: Int64 = 0
        var bytesTotal: Int64 = 0
    }

    public init(
        database: CatalogDatabase, importID: String, path: String, token: Int64, options: ImportOptions,
        monitor: any ImportMonitor
    ) {
        self.database = database
        self.importID = importID
        self.path = path
        self.token = token
        self.options = options
        self.monitor = monitor
        self.lock = CatalogLock(database: database, importID: importID, token: token)
    }

    /// Runs the import to its end. Throws `ImportFailure` (recorded as the import's failure), or
    /// the monitor's cancellation (recorded as revoked).
    public func run() throws -> ImportSummary {
        // The statement must be finalized while the connection is open.
        defer { upsertStatement = nil }
        do {
            try lock.acquire(monitor: monitor)
        } catch let cancelled as TaskCancelled {
            // Revoked while waiting for the lock: it never started.
            try? database.pool.write { db in
                try db.execute(
                    sql: """
                        UPDATE imports SET state = 'REVOKED', stage = 'failed', message = 'Revoked', finished_at = ?
                        WHERE id = ? AND state = 'PENDING'
                        """, arguments: [Date().timeIntervalSince1970, importID])
            }
            throw cancelled
        }
        do {
            let summary = try importFile()
            try finish(state: .success, stage: "complete", message: "Import Complete", error: nil)
            lock.release()
            return summary
        } catch let failure as ImportFailure where !failure.retryable {
            try? finish(state: .failure, stage: "failed", message: failure.message, error: failure.message)
            lock.release()
            throw failure
        } catch let cancelled as TaskCancelled {
            let revoked = cancelled.reason == .revoked
            try? finish(state: revoked ? .revoked : .failure, stage: "failed", message: revoked ? "Revoked" : "\(cancelled)", error: nil)
            lock.release()
            throw cancelled
        } catch where Self.isTransient(error) {
            // Retried later: the next delivery takes the lock over and resumes from the checkpoint.
            throw error
        } catch {
            let message = "the import failed: \(error)"
            try? finish(state: .failure, stage: "failed", message: message, error: message)
            lock.release()
            throw ImportFailure(message)
        }
    }

    /// Busy or failing storage, a read error: worth a retry.
    static func isTransient(_ error: any Error) -> Bool {
        if let failure = error as? ImportFailure { return failure.retryable }
        if let database = error as? DatabaseError {
            return [.SQLITE_BUSY, .SQLITE_LOCKED, .SQLITE_IOERR, .SQLITE_FULL].contains(database.resultCode)
        }
        return false
    }

    // MARK: The file

    private func importFile() throws -> ImportSummary {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ImportFailure("the file \(path) cannot be opened")
        }
        defer { try? handle.close() }
        counts.bytesTotal = Int64((try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value ?? 0)
        let start = try Self.contentStart(handle)
        let headerParser = try CSVParser(handle: handle, maxFieldBytes: options.maxFieldBytes, offset: start)
        guard let headerRecord = try headerParser.next() else {
            throw ImportFailure("the file is empty: it has no header row")
        }
        let header = try CSVHeader(headerRecord)
        let validator = RowValidator(header: header)
        let resume = try loadCheckpoint()
        let parser = try CSVParser(
            handle: handle, maxFieldBytes: options.maxFieldBytes,
            offset: resume?.offset ?? headerParser.offset, line: resume?.line ?? headerParser.nextLine)
        try markRunning(warnings: header.unknown.map { "unknown column '\($0)' ignored" })
        if options.atomic {
            try database.pool.writeWithoutTransaction { db in
                try db.inTransaction(.immediate) {
                    try importBatches(parser, validator) { work in try work(db) }
                    return .commit
                }
            }
        } else {
            try importBatches(parser, validator) { work in
                try database.pool.writeWithoutTransaction { db in
                    try db.inTransaction(.immediate) {
                        try work(db)
                        return .commit
                    }
                }
            }
        }
        return ImportSummary(
            importID: importID, created: counts.created, updated: counts.updated, skipped: counts.skipped,
            rowsProcessed: counts.rows, durationSeconds: Date().timeIntervalSince(started))
    }

    /// Where the CSV text starts: after a UTF-8 BOM. UTF-16 (by its BOM) fails at once.
    static func contentStart(_ handle: FileHandle) throws -> Int64 {
        try handle.seek(toOffset: 0)
        let head = [UInt8](try handle.read(upToCount: 4) ?? Data())
        if head.starts(with: [0xFF, 0xFE]) || head.starts(with: [0xFE, 0xFF]) {
            throw ImportFailure("the file is UTF-16: save it as UTF-8 CSV")
        }
        return head.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
    }

    private typealias Commit = ((Database) throws -> Void) throws -> Void

    /// Parses and validates rows into batches and commits each with its checkpoint.
    private func importBatches(_ parser: CSVParser, _ validator: RowValidator, commit: Commit) throws {
        var rows: [(line: Int, row: ProductRow)] = []
        var errors: [RowError] = []
        rows.reserveCapacity(options.batchRows)
        while true {
            let record = try parser.next()
            if let record {
                switch validator.validate(record) {
                case .success(let row): rows.append((record.line, row))
                case .failure(let error): errors.append(error)
                }
            }
            if record == nil || rows.count + errors.count >= options.batchRows {
                let (offset, line) = (parser.offset, parser.nextLine)
                let batch = rows.map(\.row)
                let batchErrors = errors
                try commit { db in try self.commitBatch(db, rows: batch, errors: batchErrors, offset: offset, line: line) }
                rows.removeAll(keepingCapacity: true)
                errors.removeAll()
                report(force: record == nil)
                if record == nil { return }
                try monitor.checkCancellation()
            }
        }
    }

    // MARK: Batches

    /// One batch: fence, upsert (deduplicated, sorted by key), errors, counts and checkpoint.
    private func commitBatch(_ db: Database, rows: [ProductRow], errors: [RowError], offset: Int64, line: Int) throws {
        try lock.fence(db)
        var batchTime = Date().timeIntervalSince1970
        if batchTime <= lastBatchTime { batchTime = lastBatchTime + 0.001 }
        lastBatchTime = batchTime
        // Last one wins: keep each key's last row, and how many rows the key had.
        var last: [String: Int] = [:]
        for (index, row) in rows.enumerated() { last[row.skuKey] = index }
        var occurrences: [String: Int] = [:]
        for row in rows { occurrences[row.skuKey, default: 0] += 1 }
        let keys = last.keys.sorted()
        var created = 0
        for key in keys {
            let row = rows[last[key]!]
            let isNew = options.dryRun ? try wouldCreate(db, key) : try upsert(db, row, at: batchTime)
            if isNew { created += 1 }
        }
        counts.created += created
        counts.updated += rows.count - created
        if created > 0 && !options.dryRun {
            try db.execute(sql: "UPDATE catalog_stats SET products = products + ? WHERE id = 1", arguments: [created])
        }
        counts.skipped += errors.count
        counts.rows += rows.count + errors.count
        counts.bytesRead = offset
        for error in errors where counts.kept < 1000 {
            counts.kept += 1
            try db.execute(
                sql: "INSERT INTO import_errors (import_id, seq, line, column, reason, raw) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [importID, counts.kept, error.line, error.column, error.reason, error.raw])
        }
        try db.execute(
            sql: """
                UPDATE imports SET created = ?, updated = ?, skipped = ?, rows_processed = ?, error_count = ?,
                    bytes_read = ?, bytes_total = ?, checkpoint_offset = ?, checkpoint_line = ?,
                    stage = 'importing', message = 'Importing'
                WHERE id = ?
                """,
            arguments: [
                counts.created, counts.updated, counts.skipped, counts.rows, counts.skipped, counts.bytesRead,
                counts.bytesTotal, offset, line, importID,
            ])
    }

    /// Inserts or updates one product; returns whether it was created. A row created in this
    /// batch has `created_at = updated_at` (batch times strictly increase).
    private func upsert(_ db: Database, _ row: ProductRow, at time: Double) throws -> Bool {
        let statement = try upsertStatement ?? prepareUpsert(db)
        statement.bind([
            JobID.make(), row.sku, row.skuKey, row.name, row.description, row.active.map { $0 ? 1 : 0 }, time,
        ])
        defer { statement.reset() }
        guard try statement.step() else { return false }
        return statement.int(0) == 1
    }

    private func prepareUpsert(_ db: Database) throws -> RawStatement {
        guard let connection = db.sqliteConnection else { throw ImportFailure("the catalogue database is closed") }
        // A larger page cache for the import's writes: the key index is touched all over.
        try db.execute(sql: "PRAGMA cache_size = -8192")
        let statement = try RawStatement(
            connection: connection,
            sql: """
                INSERT INTO products (id, sku, sku_key, name, description, active, created_at, updated_at)
                VALUES (?1, ?2, ?3, ?4, COALESCE(?5, ''), COALESCE(?6, 1), ?7, ?7)
                ON CONFLICT(sku_key) DO UPDATE SET sku = excluded.sku, name = excluded.name,
                    description = CASE WHEN ?5 IS NULL THEN products.description ELSE excluded.description END,
                    active = CASE WHEN ?6 IS NULL THEN products.active ELSE excluded.active END,
                    updated_at = excluded.updated_at
                RETURNING created_at = updated_at
                """)
        upsertStatement = statement
        return statement
    }

    /// Dry run: whether the key is new, remembering keys seen earlier in this run.
    private func wouldCreate(_ db: Database, _ key: String) throws -> Bool {
        try db.execute(sql: "CREATE TEMP TABLE IF NOT EXISTS dry_run_keys (sku_key TEXT PRIMARY KEY) WITHOUT ROWID")
        let exists = try Bool.fetchOne(
            db,
            sql: """
                SELECT EXISTS (SELECT 1 FROM products WHERE sku_key = ?1)
                    OR EXISTS (SELECT 1 FROM temp.dry_run_keys WHERE sku_key = ?1)
                """, arguments: [key]) ?? false
        try db.execute(sql: "INSERT OR IGNORE INTO temp.dry_run_keys (sku_key) VALUES (?)", arguments: [key])
        return !exists
    }

    // MARK: The record

    private func loadCheckpoint() throws -> (offset: Int64, line: Int)? {
        try database.pool.read { db -> (Int64, Int)? in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM imports WHERE id = ?", arguments: [importID]) else {
                throw ImportFailure("import \(importID) has no record")
            }
            let record = ImportRecord(row: row)
            // Atomic and dry runs roll back or wrote nothing: they always start over.
            guard record.checkpointOffset > 0, !options.atomic, !options.dryRun else { return nil }
            counts = Counts(
                created: record.created, updated: record.updated, skipped: record.skipped, rows: record.rowsProcessed,
                kept: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM import_errors WHERE import_id = ?", arguments: [importID]) ?? 0,
                bytesRead: record.bytesRead, bytesTotal: counts.bytesTotal)
            return (record.checkpointOffset, record.checkpointLine)
        }
    }

    private func markRunning(warnings: [String]) throws {
        try database.pool.write { db in
            try lock.fence(db)
            try db.execute(
                sql: """
                    UPDATE imports SET state = 'RUNNING', stage = 'parsing', message = 'Parsing CSV', bytes_total = ?,
                        warnings = ?, started_at = COALESCE(started_at, ?)
                    WHERE id = ?
                    """,
                arguments: [
                    counts.bytesTotal, JSONValue.array(warnings.map { .string($0) }).jsonText,
                    Date().timeIntervalSince1970, importID,
                ])
            if options.atomic || options.dryRun {
                try db.execute(sql: "DELETE FROM import_errors WHERE import_id = ?", arguments: [importID])
            }
        }
        report(force: true)
    }

    /// Records the end — only while this delivery holds the lock: a stale one changes nothing.
    private func finish(state: ImportRecord.State, stage: String, message: String, error: String?) throws {
        try database.pool.write { db in
            try lock.fence(db)
            try db.execute(
                sql: """
                    UPDATE imports SET state = ?, stage = ?, message = ?, error = ?, finished_at = ?,
                        bytes_read = CASE WHEN ? = 'SUCCESS' THEN bytes_total ELSE bytes_read END
                    WHERE id = ?
                    """,
                arguments: [state.rawValue, stage, message, error, Date().timeIntervalSince1970, state.rawValue, importID])
        }
        if state == .success { counts.bytesRead = counts.bytesTotal }
        monitor.progress(meta(stage: stage, message: message))
    }

    /// Progress to the queue at least once a second (and at every batch of a slow file).
    private func report(force: Bool) {
        let now = Date()
        guard force || now.timeIntervalSince(lastProgress) >= 0.5 else { return }
        lastProgress = now
        monitor.progress(meta(stage: "importing", message: "Importing"))
    }

    func meta(stage: String, message: String) -> JSONValue {
        return [
            "stage": .string(stage), "message": .string(message), "rows_processed": .int(Int64(counts.rows)),
            "bytes_read": .int(counts.bytesRead), "bytes_total": .int(counts.bytesTotal),
            "percent": .double(ImportRecord.percent(read: counts.bytesRead, total: counts.bytesTotal)), "created": .int(Int64(counts.created)),
            "updated": .int(Int64(counts.updated)), "skipped": .int(Int64(counts.skipped)),
            "errors": .int(Int64(counts.skipped)),
        ]
    }
}

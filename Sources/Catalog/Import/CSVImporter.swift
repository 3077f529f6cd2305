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

/// Imports one CSV file into the catalogue (DESIGN.md §7) as an external sort-merge, so that
/// each page of the `sku_key` index is written once however large the file:
///
/// 1. Read: the streaming parser and the validator turn the file into sorted runs (bounded
///    memory, an unlinked scratch file); row errors are recorded when the file has been read.
/// 2. Merge: the runs merge into one stream in key order, one record per key (the file's last
///    row for it), and are upserted in batches, each committed with its checkpoint — the last
///    key written — and fenced by this delivery's token in the catalogue lock.
///
/// A redelivered or retried import reads the file again and resumes the merge after its
/// checkpoint key: the result equals an uninterrupted run's.
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
    private var lastCancellationCheck = Date()
    private let started = Date()
    /// Prepared on the catalogue's writer connection at first use.
    private var upsertStatements: (insert: RawStatement, update: RawStatement)?
    private var lookupStatement: RawStatement?

    struct Counts {
        var created = 0
        var updated = 0
        var skipped = 0
        var rows = 0
        /// Valid rows of the file whose key has been merged into the catalogue.
        var rowsMerged = 0
        var bytesRead: Int64 = 0
        var bytesTotal: Int64 = 0
        var validRows: Int { rows - skipped }
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
        defer {
            upsertStatements = nil
            lookupStatement = nil
            releaseCache()
        }
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
        let parser = try CSVParser(handle: handle, maxFieldBytes: options.maxFieldBytes, offset: start)
        guard let headerRecord = try parser.next() else {
            throw ImportFailure("the file is empty: it has no header row")
        }
        let header = try CSVHeader(headerRecord)
        let resumeKey = try loadCheckpoint()
        try markRunning(warnings: header.unknown.map { "unknown column '\($0)' ignored" })

        let scratch = try ScratchFile(directory: (database.path as NSString).deletingLastPathComponent)
        let sorter = RunSorter(scratch: scratch, memoryLimit: options.sortMemoryBytes)
        let errors = try readFile(parser, RowValidator(header: header), into: sorter)
        try recordRead(errors: errors)
        let merger = try RunMerger(scratch: scratch, runs: sorter.runs, memoryLimit: options.sortMemoryBytes / 2)
        try merge(merger, after: resumeKey)
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

    // MARK: Reading

    /// Parses and validates every row into sorted runs; returns the row errors to keep.
    private func readFile(_ parser: CSVParser, _ validator: RowValidator, into sorter: RunSorter) throws -> [RowError] {
        var kept: [RowError] = []
        while let record = try parser.next() {
            counts.rows += 1
            switch validator.check(record) {
            case .success(let fields):
                if try sorter.add(fields) { try checkCancellation(force: true) }
            case .failure(let error):
                counts.skipped += 1
                if kept.count < 1000 { kept.append(error) }
            }
            if counts.rows & 0x3FF == 0 {
                counts.bytesRead = parser.offset
                try checkCancellation(force: false)
                if report(stage: "parsing", message: "Parsing CSV") { try recordReading() }
            }
        }
        try sorter.finish()
        counts.bytesRead = counts.bytesTotal
        return kept
    }

    /// At every spill, and at least once a second while reading.
    private func checkCancellation(force: Bool) throws {
        let now = Date()
        guard force || now.timeIntervalSince(lastCancellationCheck) >= 1 else { return }
        lastCancellationCheck = now
        try monitor.checkCancellation()
    }

    /// How far the reading is, for the status and events read from the import record.
    private func recordReading() throws {
        try database.pool.write { db in
            try lock.fence(db)
            try db.execute(
                sql: "UPDATE imports SET skipped = ?, error_count = ?, rows_processed = ?, bytes_read = ? WHERE id = ?",
                arguments: [counts.skipped, counts.skipped, counts.rows, counts.bytesRead, importID])
        }
    }

    /// The file has been read: its counts and the first 1,000 row errors, at once (a resumed
    /// import reads the file again and writes the same).
    private func recordRead(errors: [RowError]) throws {
        try database.pool.write { db in
            try lock.fence(db)
            try db.execute(sql: "DELETE FROM import_errors WHERE import_id = ?", arguments: [importID])
            for (index, error) in errors.enumerated() {
                try db.execute(
                    sql: "INSERT INTO import_errors (import_id, seq, line, column, reason, raw) VALUES (?, ?, ?, ?, ?, ?)",
                    arguments: [importID, index + 1, error.line, error.column, error.reason, error.raw])
            }
            try db.execute(
                sql: """
                    UPDATE imports SET skipped = ?, error_count = ?, rows_processed = ?, bytes_read = ?,
                        stage = 'importing', message = 'Importing'
                    WHERE id = ?
                    """,
                arguments: [counts.skipped, counts.skipped, counts.rows, counts.bytesRead, importID])
        }
        report(stage: "importing", message: "Importing", force: true)
    }

    // MARK: Merging

    /// Writes the merged stream in batches of `batchRows` keys, each committed with its
    /// checkpoint; an atomic import is one transaction.
    private func merge(_ merger: RunMerger, after resumeKey: [UInt8]?) throws {
        // A larger page cache while the import writes (given back by `releaseCache`).
        try database.pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA cache_size = -\(Self.cacheKiB)") }
        var skipping = resumeKey != nil
        func batch(_ db: Database) throws -> Bool {
            try lock.fence(db)
            let time = Date().timeIntervalSince1970
            var created = 0
            var written = 0
            var lastKey: [UInt8]?
            while written < options.batchRows, let merged = try merger.next() {
                if skipping, let resumeKey {
                    if resumeKey.withUnsafeBytes({ RunRecord.compareKeys(merged.record.key, $0) }) <= 0 { continue }
                    skipping = false
                }
                let isNew = options.dryRun ? try isAbsent(db, merged.record) : try upsert(db, merged.record, at: time)
                if isNew { created += 1 }
                counts.created += isNew ? 1 : 0
                counts.updated += merged.occurrences - (isNew ? 1 : 0)
                counts.rowsMerged += merged.occurrences
                written += 1
                lastKey = Array(merged.record.key)
            }
            if created > 0 && !options.dryRun {
                try db.execute(sql: "UPDATE catalog_stats SET products = products + ? WHERE id = 1", arguments: [created])
            }
            try db.execute(
                sql: """
                    UPDATE imports SET created = ?, updated = ?, rows_merged = ?,
                        checkpoint_key = COALESCE(?, checkpoint_key)
                    WHERE id = ?
                    """,
                arguments: [counts.created, counts.updated, counts.rowsMerged, lastKey.map { Data($0) }, importID])
            return written == options.batchRows
        }
        if options.atomic {
            try database.pool.writeWithoutTransaction { db in
                try db.inTransaction(.immediate) {
                    while try batch(db) {
                        report(stage: "importing", message: "Importing")
                        try monitor.checkCancellation()
                    }
                    return .commit
                }
            }
            return
        }
        while true {
            let more = try database.pool.writeWithoutTransaction { db in
                var more = false
                try db.inTransaction(.immediate) {
                    more = try batch(db)
                    return .commit
                }
                return more
            }
            report(stage: "importing", message: "Importing", force: !more)
            guard more else { return }
            try monitor.checkCancellation()
        }
    }

    /// Inserts or updates one product; returns whether it was created. Two plain statements,
    /// not one upsert: telling a creation from an update would need `RETURNING`, which buffers
    /// its result in a temporary table per row (measured: +2.4 s for 500k rows).
    private func upsert(_ db: Database, _ record: RunRecord, at time: Double) throws -> Bool {
        let statements = try upsertStatements ?? prepareUpsert(db)
        let insert = statements.insert
        insert.reset()
        insert.bindText(1, JobID.make())
        Self.bindRow(insert, record, at: time)
        defer { insert.reset() }
        if try insert.execute() == 1 { return true }
        // The key exists: the latest row's SKU casing, name, and the columns the file has.
        let update = statements.update
        update.reset()
        Self.bindRow(update, record, at: time)
        defer { update.reset() }
        try update.execute()
        return false
    }

    /// Both statements number their parameters alike: ?2 SKU, ?3 key, ?4 name, ?5 description
    /// (NULL: keep), ?6 active (NULL: keep), ?7 time.
    private static func bindRow(_ statement: RawStatement, _ record: RunRecord, at time: Double) {
        statement.bindText(2, record.sku)
        statement.bindText(3, record.key)
        statement.bindText(4, record.name)
        if let description = record.description { statement.bindText(5, description) } else { statement.bindNull(5) }
        if let active = record.active { statement.bindInt(6, active ? 1 : 0) } else { statement.bindNull(6) }
        statement.bindDouble(7, time)
    }

    private func prepareUpsert(_ db: Database) throws -> (insert: RawStatement, update: RawStatement) {
        // The key is unique: a present key makes the insert a no-op (no other constraint can
        // fail — every value is bound or defaulted).
        let insert = try prepare(
            db,
            """
            INSERT OR IGNORE INTO products (id, sku, sku_key, name, description, active, created_at, updated_at)
            VALUES (?1, ?2, ?3, ?4, COALESCE(?5, ''), COALESCE(?6, 1), ?7, ?7)
            """)
        let update = try prepare(
            db,
            """
            UPDATE products SET sku = ?2, name = ?4, description = COALESCE(?5, description),
                active = COALESCE(?6, active), updated_at = ?7
            WHERE sku_key = ?3
            """)
        upsertStatements = (insert, update)
        return (insert, update)
    }

    /// Dry run: whether the key is not yet in the catalogue (each key comes once from the merge).
    private func isAbsent(_ db: Database, _ record: RunRecord) throws -> Bool {
        let statement = try lookupStatement ?? prepare(db, "SELECT NOT EXISTS (SELECT 1 FROM products WHERE sku_key = ?1)")
        lookupStatement = statement
        statement.reset()
        statement.bindText(1, record.key)
        defer { statement.reset() }
        guard try statement.step() else { return false }
        return statement.int(0) == 1
    }

    private func prepare(_ db: Database, _ sql: String) throws -> RawStatement {
        guard let connection = db.sqliteConnection else { throw ImportFailure("the catalogue database is closed") }
        return try RawStatement(connection: connection, sql: sql)
    }

    /// The writer's page cache while an import writes (KiB).
    static let cacheKiB = 8192

    /// Gives the import's memory back: the writer connection outlives the import (its page
    /// cache shrinks to the default), and freed buffers go back to the system rather than stay
    /// resident beside the next import's sort arena.
    private func releaseCache() {
        try? database.pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA cache_size = -2000")
            try db.execute(sql: "PRAGMA shrink_memory")
        }
        ProcessMemory.releaseFreeMemory()
    }

    // MARK: The record

    /// The key the merge resumes after, with the counts committed with it (nil: start over).
    private func loadCheckpoint() throws -> [UInt8]? {
        try database.pool.read { db -> [UInt8]? in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM imports WHERE id = ?", arguments: [importID]) else {
                throw ImportFailure("import \(importID) has no record")
            }
            let record = ImportRecord(row: row)
            // Atomic and dry runs roll back or wrote nothing: they always start over.
            guard let key = record.checkpointKey, !options.atomic, !options.dryRun else { return nil }
            counts.created = record.created
            counts.updated = record.updated
            counts.rowsMerged = record.rowsMerged
            return key
        }
    }

    private func markRunning(warnings: [String]) throws {
        try database.pool.write { db in
            try lock.fence(db)
            try db.execute(
                sql: """
                    UPDATE imports SET state = 'RUNNING', stage = 'parsing', message = 'Parsing CSV', bytes_total = ?,
                        bytes_read = 0, warnings = ?, started_at = COALESCE(started_at, ?)
                    WHERE id = ?
                    """,
                arguments: [
                    counts.bytesTotal, JSONValue.array(warnings.map { .string($0) }).jsonText,
                    Date().timeIntervalSince1970, importID,
                ])
        }
        report(stage: "parsing", message: "Parsing CSV", force: true)
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
    @discardableResult
    private func report(stage: String, message: String, force: Bool = false) -> Bool {
        let now = Date()
        guard force || now.timeIntervalSince(lastProgress) >= 0.5 else { return false }
        lastProgress = now
        monitor.progress(meta(stage: stage, message: message))
        return true
    }

    func meta(stage: String, message: String) -> JSONValue {
        let percent = ImportRecord.percent(
            read: counts.bytesRead, total: counts.bytesTotal, merged: counts.rowsMerged, valid: counts.validRows,
            stage: stage)
        return [
            "stage": .string(stage), "message": .string(message), "rows_processed": .int(Int64(counts.rows)),
            "bytes_read": .int(counts.bytesRead), "bytes_total": .int(counts.bytesTotal),
            "percent": .double(stage == "complete" ? 100 : percent), "created": .int(Int64(counts.created)),
            "updated": .int(Int64(counts.updated)), "skipped": .int(Int64(counts.skipped)),
            "errors": .int(Int64(counts.skipped)),
        ]
    }
}

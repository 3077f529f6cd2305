import Common
import Foundation
import TaskQueue

/// Imports one CSV file into the catalogue (DESIGN.md §7) as an external sort-merge, so that
/// each page of the `sku_key` index is written once however large the file:
///
/// 1. Read (`CSVImporter+Read`): the streaming parser and the validator turn the file into
///    sorted runs (bounded memory, an unlinked scratch file); row errors are recorded when the
///    file has been read.
/// 2. Merge (`CSVImporter+Merge`): the runs merge into one stream in key order, one record per
///    key (the file's last row for it), written in batches, each committed with its checkpoint
///    — the last key written — and fenced by this delivery's token in the catalogue lock.
///
/// This file is the run around them: the lock, the checkpoint, the outcome and progress. A
/// redelivered or retried import reads the file again and resumes the merge after its
/// checkpoint key: the result equals an uninterrupted run's.
public final class CSVImporter {
    let store: any ImportRunStore
    let fence: CatalogFence
    let path: String
    let options: ImportOptions
    let monitor: any OperationMonitor
    /// Where the sorted runs' scratch file goes.
    let scratchDirectory: String
    private let lock: CatalogLock
    var counts = Counts()
    /// Where the time went (the result's `stages`).
    var stages = ImportStages()
    private var lastProgress = Date.distantPast
    var lastCancellationCheck = Date()
    private let started = Date()

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
        var reading: ImportReading { ImportReading(rows: rows, skipped: skipped, bytesRead: bytesRead) }
    }

    public init(
        store: any ImportRunStore, importID: String, path: String, token: Int64, options: ImportOptions,
        monitor: any OperationMonitor, scratchDirectory: String
    ) {
        self.store = store
        self.fence = CatalogFence(holder: importID, token: token)
        self.path = path
        self.options = options
        self.monitor = monitor
        self.scratchDirectory = scratchDirectory
        self.lock = CatalogLock(store: store, fence: fence)
    }

    var importID: String { fence.holder }

    /// Runs the import to its end. Throws `ImportFailure` (recorded as the import's failure), or
    /// the monitor's cancellation (recorded as revoked).
    public func run() throws -> ImportSummary {
        defer { releaseMemory() }
        do {
            try lock.acquire(monitor: monitor)
        } catch let cancelled as TaskCancelled {
            // Revoked while waiting for the lock: it never started.
            try? store.revokeUnstartedImport(id: importID)
            throw cancelled
        }
        do {
            let summary = try importFile()
            try finish(.success, stage: "complete", message: "Import Complete", error: nil)
            lock.release()
            return summary
        } catch let error as CatalogError where error.isLockLost {
            // A newer delivery took the import over: it records the outcome, this one stops.
            throw ImportFailure(error.message)
        } catch let failure as ImportFailure where !failure.retryable {
            try? finish(.failure, stage: "failed", message: failure.message, error: failure.message)
            lock.release()
            throw failure
        } catch let cancelled as TaskCancelled {
            let revoked = cancelled.reason == .revoked
            try? finish(revoked ? .revoked : .failure, stage: "failed", message: revoked ? "Revoked" : "\(cancelled)", error: nil)
            lock.release()
            throw cancelled
        } catch where Self.isTransient(error) {
            // Retried later: the next delivery takes the lock over and resumes from the checkpoint.
            throw error
        } catch {
            let message = "the import failed: \(error)"
            try? finish(.failure, stage: "failed", message: message, error: message)
            lock.release()
            throw ImportFailure(message)
        }
    }

    /// Busy or failing storage, a read error: worth a retry.
    static func isTransient(_ error: any Error) -> Bool {
        if let failure = error as? ImportFailure { return failure.retryable }
        if let error = error as? CatalogError { return error.isTransient }
        return false
    }

    /// Reads the file into sorted runs, then merges them into the catalogue.
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

        let scratch = try ScratchFile(directory: scratchDirectory)
        let sorter = RunSorter(scratch: scratch, memoryLimit: options.sortMemoryBytes)
        let readStart = ContinuousClock.now
        let errors = try readFile(parser, RowValidator(header: header), into: sorter)
        try recordRead(errors: errors)
        let mergeStart = ContinuousClock.now
        stages.read = mergeStart - readStart
        let merger = try RunMerger(scratch: scratch, runs: sorter.runs, memoryLimit: options.sortMemoryBytes / 2)
        try merge(merger, after: resumeKey)
        stages.merge = ContinuousClock.now - mergeStart
        var summary = ImportSummary(
            importID: importID, created: counts.created, updated: counts.updated, skipped: counts.skipped,
            rowsProcessed: counts.rows, durationSeconds: Date().timeIntervalSince(started))
        summary.stages = stages
        return summary
    }

    /// Gives the import's memory back: the store's write cache, and freed buffers go back to
    /// the system rather than stay resident beside the next import's sort arena.
    private func releaseMemory() {
        store.endBulkWrites()
        ProcessMemory.releaseFreeMemory()
    }

    // MARK: The record

    /// The key the merge resumes after, with the counts committed with it (nil: start over).
    private func loadCheckpoint() throws -> [UInt8]? {
        guard let record = try store.runningImport(id: importID) else {
            throw ImportFailure("import \(importID) has no record")
        }
        // Atomic and dry runs roll back or wrote nothing: they always start over.
        guard let key = record.checkpointKey, !options.atomic, !options.dryRun else { return nil }
        counts.created = record.created
        counts.updated = record.updated
        counts.rowsMerged = record.rowsMerged
        return key
    }

    private func markRunning(warnings: [String]) throws {
        try store.markImportRunning(fence, bytesTotal: counts.bytesTotal, warnings: warnings)
        report(stage: "parsing", message: "Parsing CSV", force: true)
    }

    /// Records the end — only while this delivery holds the lock: a stale one changes nothing.
    private func finish(_ state: ImportRecord.State, stage: String, message: String, error: String?) throws {
        try store.finishImport(fence, ImportOutcome(state: state, stage: stage, message: message, error: error))
        if state == .success { counts.bytesRead = counts.bytesTotal }
        monitor.progress(meta(stage: stage, message: message))
    }

    /// Progress to the queue at least once a second (and at every batch of a slow file).
    @discardableResult
    func report(stage: String, message: String, force: Bool = false) -> Bool {
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

import Foundation
import TaskQueue

/// What a running import writes (DESIGN.md §7): its record's progress and its batches of
/// products. Every write of a run is fenced by the delivery's token in the catalogue lock, in the
/// write's own transaction, so a stale delivery can never write: it gets `CatalogError.lockLost`.
///
/// These methods run on the import task's own thread and may block.
public protocol ImportRunStore: CatalogLockStore {
    /// Marks an import that never started (revoked while it waited for the lock) `REVOKED`.
    func revokeUnstartedImport(id: String) throws

    /// The record as the run starts: its checkpoint and counts (a synchronous read).
    func runningImport(id: String) throws -> ImportRecord?

    /// `RUNNING`, reading the file (`bytesTotal` long); `warnings` about its header.
    func markImportRunning(_ fence: CatalogFence, bytesTotal: Int64, warnings: [String]) throws

    /// How far the reading is, for the status and the events read from the record.
    func recordReading(_ fence: CatalogFence, _ progress: ImportReading) throws

    /// The file has been read: its counts and the row errors to keep, at once (a resumed import
    /// reads the file again and writes the same).
    func recordRead(_ fence: CatalogFence, _ progress: ImportReading, errors: [RowError]) throws

    /// Runs `body` in one write transaction fenced by `fence`: the products it writes through
    /// the transaction and the checkpoint it records commit together, and the product count
    /// follows the products created, in the same transaction.
    func writeImport<T>(_ fence: CatalogFence, _ body: (any ImportTransaction) throws -> T) throws -> T

    /// The end, recorded only while this delivery holds the lock.
    func finishImport(_ fence: CatalogFence, _ outcome: ImportOutcome) throws
}

/// The reading stage's counts.
public struct ImportReading: Sendable, Equatable {
    public var rows: Int
    /// Invalid rows (each is an error).
    public var skipped: Int
    public var bytesRead: Int64

    public init(rows: Int, skipped: Int, bytesRead: Int64) {
        self.rows = rows
        self.skipped = skipped
        self.bytesRead = bytesRead
    }
}

/// How an import ended, as its record shows it.
public struct ImportOutcome: Sendable, Equatable {
    public var state: ImportRecord.State
    public var stage: String
    public var message: String
    public var error: String?

    public init(state: ImportRecord.State, stage: String, message: String, error: String?) {
        self.state = state
        self.stage = stage
        self.message = message
        self.error = error
    }
}

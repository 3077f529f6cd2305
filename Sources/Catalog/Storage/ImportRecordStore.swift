import Common
import Foundation
import TaskQueue

/// The imports' records: created when an import is submitted, read by the status endpoints,
/// the history and the errors, and cleaned up by `cleanup_old_imports`.
///
/// The async methods serve request handlers; the synchronous ones run on a task's own thread.
public protocol ImportRecordStore: Sendable {
    /// Records an import about to be enqueued (`PENDING`, "Waiting for a worker").
    func createImport(_ new: NewImport) async throws -> ImportRecord

    /// Records a new import of a failed or revoked import's file, with its options, linked to it
    /// (`retry_of`): `importNotFound`, `notFailed`, `alreadyRetried` (an import is retried once).
    func createImportRetry(of originalID: String, id: String) async throws -> ImportRecord

    /// Links a record created before its task existed to the task's id.
    func attachImport(id: String, taskID: String) async throws

    /// Deletes a record that never ran (a duplicate submission); a started one stays.
    func deleteUnstartedImport(id: String) async throws

    func importRecord(id: String) async throws -> ImportRecord?
    func importRecord(taskID: String) async throws -> ImportRecord?

    /// Newest first.
    func importRecords(limit: Int, offset: Int) async throws -> (items: [ImportRecord], total: Int)

    /// The kept row errors (the first 1,000), in file order.
    func importErrors(importID: String, limit: Int, offset: Int) async throws -> [RowError]

    // MARK: For the product tasks (a worker's thread)

    /// The record of a delivery of `process_csv_import`: the one named by `importID` (linked to
    /// `taskID` if it was not yet), else the one an earlier delivery of `taskID` made, else a new
    /// one from `new` (a task submitted directly). Returns its id.
    func importForTask(taskID: String, importID: String?, new: NewImport) throws -> String

    /// Fails an import that could not start (a file that is gone, bad options).
    func failImport(id: String, message: String) throws

    /// Marks the import of task `taskID` revoked when its task was revoked before it started (its
    /// record is still `PENDING`; a started import records its own revocation). Returns whether
    /// a record changed.
    func revokeUnstartedImport(taskID: String) async throws -> Bool

    /// Deletes finished records (and their row errors) created before `cutoff`; returns how many.
    func deleteFinishedImports(createdBefore cutoff: Date) throws -> Int

    /// The `file_path` of every import still waiting or running: their files must stay.
    func unfinishedImportFiles() throws -> Set<String>
}

/// An import to record.
public struct NewImport: Sendable {
    public var id: String
    public var taskID: String?
    public var filePath: String
    public var filename: String?
    public var userID: String?
    public var options: JSONValue

    public init(
        id: String = UUIDv7.make(), taskID: String? = nil, filePath: String, filename: String?, userID: String? = nil,
        options: JSONValue = [:]
    ) {
        self.id = id
        self.taskID = taskID
        self.filePath = filePath
        self.filename = filename
        self.userID = userID
        self.options = options
    }
}

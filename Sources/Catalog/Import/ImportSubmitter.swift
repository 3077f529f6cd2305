import Common
import Foundation
import TaskQueue

/// Puts a file in the uploads directory, records the import and enqueues
/// `process_csv_import` for it: what `importer import` and the upload endpoint share.
public struct ImportSubmitter: Sendable {
    public let catalog: CatalogContext
    public let client: QueueClient

    public init(catalog: CatalogContext, client: QueueClient) {
        self.catalog = catalog
        self.client = client
    }

    /// A new unique file name in the uploads directory for an upload called `filename`.
    public func uploadName(for filename: String) -> String {
        let base = (filename as NSString).lastPathComponent.replacingOccurrences(of: "/", with: "_")
        let safe = base.isEmpty ? "upload.csv" : String(base.prefix(120))
        return "\(UUIDv7.make())-\(safe)"
    }

    /// Copies `source` into the uploads directory; returns the stored name.
    public func copyIntoUploads(_ source: String) throws -> String {
        let name = uploadName(for: source)
        let destination = (catalog.uploadsDirectory as NSString).appendingPathComponent(name)
        do {
            try FileManager.default.copyItem(atPath: source, toPath: destination)
        } catch {
            throw ImportFailure("cannot copy \(source) into the uploads directory: \(error.localizedDescription)")
        }
        return name
    }

    /// Runs a failed or revoked import again, as a new import of the same kept upload with the
    /// same options: `importNotFound`, `notFailed`, `uploadMissing` (the file was cleaned up),
    /// `alreadyRetried`. Answers once the job is committed.
    public func retry(importID: String) async throws -> (importID: String, taskID: String) {
        guard let original = try await catalog.store.importRecord(id: importID) else {
            throw CatalogError.importNotFound(importID)
        }
        guard original.state == .failure || original.state == .revoked else {
            throw CatalogError.notFailed(importID: importID, state: original.state.rawValue)
        }
        guard (try? catalog.checkUploadedFile(original.filePath)) != nil else {
            throw CatalogError.uploadMissing(importID: importID, file: original.filename ?? original.filePath)
        }
        let retry = try await catalog.store.createImportRetry(of: importID, id: UUIDv7.make())
        let submitted = try await enqueue(retry, idempotencyKey: nil)
        try await catalog.store.attachImport(id: retry.id, taskID: submitted.id)
        return (retry.id, submitted.id)
    }

    /// Enqueues `process_csv_import` for a recorded import.
    private func enqueue(_ record: ImportRecord, idempotencyKey: String?) async throws -> EnqueueResult {
        var kwargs: [String: JSONValue] = [
            "file_path": .string(record.filePath), "import_id": .string(record.id), "options": record.options,
        ]
        if let userID = record.userID { kwargs["user_id"] = .string(userID) }
        let submitted = try await client.submit(
            TaskSubmission(name: ProductTasks.processCSVImport, kwargs: kwargs, idempotencyKey: idempotencyKey))
        return submitted
    }

    /// Records the import and enqueues its task; answers once the job is committed.
    public func submit(
        storedName: String, filename: String?, userID: String? = nil, options: JSONValue = [:],
        idempotencyKey: String? = nil
    ) async throws -> (importID: String, taskID: String) {
        if catalog.store.keepsUploads {
            // Before the job exists: a worker on any host finds the file in the database.
            try await catalog.store.saveUpload(
                name: storedName, from: (catalog.uploadsDirectory as NSString).appendingPathComponent(storedName))
        }
        let record = try await catalog.store.createImport(
            NewImport(filePath: storedName, filename: filename, userID: userID, options: options))
        let submitted = try await enqueue(record, idempotencyKey: idempotencyKey)
        if submitted.existing, let earlier = try await catalog.store.importRecord(taskID: submitted.id) {
            // The same Idempotency-Key within 24 h: the earlier import stands, this copy goes.
            try await catalog.store.deleteUnstartedImport(id: record.id)
            try? FileManager.default.removeItem(atPath: (catalog.uploadsDirectory as NSString).appendingPathComponent(storedName))
            return (earlier.id, submitted.id)
        }
        try await catalog.store.attachImport(id: record.id, taskID: submitted.id)
        return (record.id, submitted.id)
    }
}

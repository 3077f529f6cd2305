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

    /// Records the import and enqueues its task; answers once the job is committed.
    public func submit(
        storedName: String, filename: String?, userID: String? = nil, options: JSONValue = [:],
        idempotencyKey: String? = nil
    ) async throws -> (importID: String, taskID: String) {
        let importID = UUIDv7.make()
        _ = try await catalog.store.createImport(
            NewImport(id: importID, filePath: storedName, filename: filename, userID: userID, options: options))
        var kwargs: [String: JSONValue] = ["file_path": .string(storedName), "import_id": .string(importID), "options": options]
        if let userID { kwargs["user_id"] = .string(userID) }
        let submitted = try await client.submit(
            TaskSubmission(name: ProductTasks.processCSVImport, kwargs: kwargs, idempotencyKey: idempotencyKey))
        if submitted.existing, let earlier = try await catalog.store.importRecord(taskID: submitted.id) {
            // The same Idempotency-Key within 24 h: the earlier import stands, this copy goes.
            try await catalog.store.deleteUnstartedImport(id: importID)
            try? FileManager.default.removeItem(atPath: (catalog.uploadsDirectory as NSString).appendingPathComponent(storedName))
            return (earlier.id, submitted.id)
        }
        try await catalog.store.attachImport(id: importID, taskID: submitted.id)
        return (importID, submitted.id)
    }
}

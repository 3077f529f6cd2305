import Foundation
import TaskQueue

/// The product tasks of the seed application (DESIGN.md §5, §10), under their Celery names.
public enum ProductTasks {
    public static let testTask = "app.tasks.product_tasks.test_task"
    public static let processCSVImport = "app.tasks.product_tasks.process_csv_import"
    public static let cleanupOldImports = "app.tasks.product_tasks.cleanup_old_imports"
    public static let bulkDeleteProducts = "app.tasks.product_tasks.bulk_delete_products"

    public static func register(into registry: inout TaskRegistry, catalog: CatalogContext) {
        registry.register(
            TaskDefinition(name: testTask) { context in
                [
                    "status": "success",
                    "message": "Worker is functioning correctly!",
                    "task_id": .string(context.id),
                    "task_name": .string(context.name),
                ]
            })
        registry.register(
            TaskDefinition(
                name: processCSVImport, queue: "imports", retry: RetryOptions(maxRetries: 3, delay: 300),
                validate: { args, kwargs in try catalog.checkUploadedFile(filePath(args: args, kwargs: kwargs)) }
            ) { context in try processImport(context, catalog: catalog) })
        registry.register(
            TaskDefinition(name: cleanupOldImports) { _ in try cleanup(catalog: catalog) })
        // On the imports queue: it runs after the imports enqueued before it, holding the lock.
        registry.register(
            TaskDefinition(name: bulkDeleteProducts, queue: "imports", retry: RetryOptions(maxRetries: 3, delay: 30)) { context in
                try bulkDelete(context, catalog: catalog)
            })
    }

    // MARK: bulk_delete_products(delete_id)

    static func bulkDelete(_ context: TaskContext, catalog: CatalogContext) throws -> JSONValue {
        do {
            let deleteID = try catalog.store.bulkDeleteForTask(taskID: context.id, deleteID: context.kwargs["delete_id"]?.stringValue)
            return try BulkDeleter(
                store: catalog.store, deleteID: deleteID, token: context.fencingToken, monitor: TaskMonitor(context: context)
            ).run()
        } catch let error as CatalogError where error.isTransient {
            throw RetryableError("the catalogue database is busy or failed to write: \(error.message)")
        }
    }

    // MARK: process_csv_import(file_path, user_id, options)

    /// `file_path`, by keyword or first positional argument.
    static func filePath(args: [JSONValue], kwargs: [String: JSONValue]) -> String {
        kwargs["file_path"]?.stringValue ?? args.first?.stringValue ?? ""
    }

    static func processImport(_ context: TaskContext, catalog: CatalogContext) throws -> JSONValue {
        let filePath = filePath(args: context.args, kwargs: context.kwargs)
        let userID = context.kwargs["user_id"]?.stringValue ?? (context.args.count > 1 ? context.args[1].stringValue : nil)
        let optionsJSON = context.kwargs["options"] ?? (context.args.count > 2 ? context.args[2] : nil)
        do {
            let importID = try record(for: context, catalog: catalog, filePath: filePath, userID: userID, options: optionsJSON)
            let path: String
            let fetched: Bool
            let options: ImportOptions
            do {
                // Checked again: the file may have been removed or replaced since the submission.
                // On another host than the API's, the upload is fetched from the database.
                (path, fetched) = try catalog.uploadedFile(filePath)
                options = try ImportOptions(json: optionsJSON, defaults: catalog.configuration.importDefaults)
            } catch let failure as ImportFailure {
                try markFailed(importID, failure.message, catalog: catalog)
                throw failure
            }
            // A fetched copy goes when the run ends: the database keeps the upload.
            defer { if fetched { try? FileManager.default.removeItem(atPath: path) } }
            let importer = CSVImporter(
                store: catalog.store, importID: importID, path: path, token: context.fencingToken,
                options: options, monitor: TaskMonitor(context: context), scratchDirectory: catalog.scratchDirectory)
            let summary = try importer.run()
            CatalogMetrics.importFinished("success")
            CatalogMetrics.importRows(summary)
            return summary.json
        } catch let failure as ImportFailure {
            if failure.retryable { throw RetryableError(failure.message) }
            CatalogMetrics.importFinished("failure")
            throw TaskErrorInfo(type: "ImportFailed", message: failure.message)
        } catch where CSVImporter.isTransient(error) {
            throw RetryableError("the catalogue database is busy or failed to write: \(error)")
        }
    }

    /// The import's record: the one the enqueuer created (`import_id` kwarg), the one of an earlier
    /// delivery of this task, or a new one when the task was submitted directly.
    private static func record(
        for context: TaskContext, catalog: CatalogContext, filePath: String, userID: String?, options: JSONValue?
    ) throws -> String {
        let new = NewImport(
            filePath: filePath, filename: (filePath as NSString).lastPathComponent, userID: userID,
            // Only an object is kept (anything else fails the import with its own message).
            options: .object(options?.objectValue ?? [:]))
        return try catalog.store.importForTask(taskID: context.id, importID: context.kwargs["import_id"]?.stringValue, new: new)
    }

    private static func markFailed(_ importID: String, _ message: String, catalog: CatalogContext) throws {
        try catalog.store.failImport(id: importID, message: message)
    }

    // MARK: cleanup_old_imports()

    /// Deletes finished import records (and their errors) and upload files older than
    /// `import_retention`; returns the counts.
    static func cleanup(catalog: CatalogContext) throws -> JSONValue {
        let cutoff = Date().addingTimeInterval(-catalog.configuration.importRetention)
        let records = try catalog.store.deleteFinishedImports(createdBefore: cutoff)
        let bulkDeletes = try catalog.store.deleteFinishedBulkDeletes(createdBefore: cutoff)
        let deliveries = try catalog.store.deleteOldWebhookRecords(
            before: Date().addingTimeInterval(-catalog.configuration.webhooks.logRetention))
        var files = 0
        if !catalog.configuration.keepUploads {
            let running = try catalog.store.unfinishedImportFiles()
            let directory = URL(fileURLWithPath: catalog.uploadsDirectory)
            for name in (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [] {
                let url = directory.appendingPathComponent(name)
                guard let modified = try? url.resourceValues(forKeys: [.contentModificationDateKey]).contentModificationDate,
                    modified < cutoff, !running.contains(name), !running.contains(url.path)
                else { continue }
                if (try? FileManager.default.removeItem(at: url)) != nil { files += 1 }
            }
        }
        // Uploads kept in the database go by the same rules as the files.
        let stored =
            catalog.configuration.keepUploads || !catalog.store.keepsUploads
            ? 0 : try catalog.store.deleteUploads(storedBefore: cutoff, keeping: try catalog.store.unfinishedImportFiles())
        return [
            "imports_deleted": .int(Int64(records)), "files_deleted": .int(Int64(files)),
            "stored_uploads_deleted": .int(Int64(stored)),
            "bulk_deletes_deleted": .int(Int64(bulkDeletes)), "webhook_deliveries_deleted": .int(Int64(deliveries)),
        ]
    }
}

/// The task's context as the importer's monitor.
struct TaskMonitor: OperationMonitor {
    let context: TaskContext

    func checkCancellation() throws {
        // A soft time limit is the task's to handle; the importer stops on the others.
        do { try context.checkCancellation() } catch is SoftTimeLimitExceeded {}
    }

    func progress(_ meta: JSONValue) {
        try? context.progress(meta)
    }
}

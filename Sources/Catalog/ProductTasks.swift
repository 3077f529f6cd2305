import Foundation
import GRDB
import TaskQueue

/// The product tasks of the seed application (DESIGN.md §5), under their Celery names.
public enum ProductTasks {
    public static let testTask = "app.tasks.product_tasks.test_task"
    public static let processCSVImport = "app.tasks.product_tasks.process_csv_import"
    public static let cleanupOldImports = "app.tasks.product_tasks.cleanup_old_imports"

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
                validate: { args, kwargs in _ = try catalog.confine(filePath(args: args, kwargs: kwargs)) }
            ) { context in try processImport(context, catalog: catalog) })
        registry.register(
            TaskDefinition(name: cleanupOldImports) { _ in try cleanup(catalog: catalog) })
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
            let options: ImportOptions
            do {
                // Checked again: the file may have been removed or replaced since the submission.
                path = try catalog.confine(filePath)
                options = try ImportOptions(json: optionsJSON, defaults: catalog.importDefaults)
            } catch let failure as ImportFailure {
                try markFailed(importID, failure.message, catalog: catalog)
                throw failure
            }
            let importer = CSVImporter(
                database: catalog.database, importID: importID, path: path, token: context.fencingToken,
                options: options, monitor: TaskMonitor(context: context))
            return try importer.run().json
        } catch let failure as ImportFailure {
            if failure.retryable { throw RetryableError(failure.message) }
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
        try catalog.database.pool.write { db -> String in
            if let id = context.kwargs["import_id"]?.stringValue,
                try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM imports WHERE id = ?)", arguments: [id]) == true
            {
                try db.execute(sql: "UPDATE imports SET task_id = ? WHERE id = ? AND task_id IS NULL", arguments: [context.id, id])
                return id
            }
            if let id = try String.fetchOne(db, sql: "SELECT id FROM imports WHERE task_id = ?", arguments: [context.id]) {
                return id
            }
            let id = JobID.make()
            try db.execute(
                sql: """
                    INSERT INTO imports (id, task_id, file_path, filename, user_id, options, state, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, 'PENDING', ?)
                    """,
                arguments: [
                    id, context.id, filePath, (filePath as NSString).lastPathComponent, userID,
                    // Only an object is kept (anything else fails the import with its own message).
                    JSONValue.object(options?.objectValue ?? [:]).jsonText, Date().timeIntervalSince1970,
                ])
            return id
        }
    }

    private static func markFailed(_ importID: String, _ message: String, catalog: CatalogContext) throws {
        try catalog.database.pool.write { db in
            try db.execute(
                sql: """
                    UPDATE imports SET state = 'FAILURE', stage = 'failed', message = ?, error = ?, finished_at = ?
                    WHERE id = ?
                    """, arguments: [message, message, Date().timeIntervalSince1970, importID])
        }
    }

    // MARK: cleanup_old_imports()

    /// Deletes finished import records (and their errors) and upload files older than
    /// `import_retention`; returns the counts.
    static func cleanup(catalog: CatalogContext) throws -> JSONValue {
        let cutoff = Date().addingTimeInterval(-catalog.importRetention)
        let records = try catalog.database.pool.write { db -> Int in
            let ids = try String.fetchAll(
                db,
                sql: "SELECT id FROM imports WHERE created_at < ? AND state IN ('SUCCESS','FAILURE','REVOKED')",
                arguments: [cutoff.timeIntervalSince1970])
            for id in ids {
                try db.execute(sql: "DELETE FROM import_errors WHERE import_id = ?", arguments: [id])
                try db.execute(sql: "DELETE FROM imports WHERE id = ?", arguments: [id])
            }
            return ids.count
        }
        var files = 0
        if !catalog.keepUploads {
            let running = try catalog.database.pool.read { db in
                Set(try String.fetchAll(db, sql: "SELECT file_path FROM imports WHERE state IN ('PENDING','RUNNING')"))
            }
            let directory = URL(fileURLWithPath: catalog.uploadsDirectory)
            for name in (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [] {
                let url = directory.appendingPathComponent(name)
                guard let modified = try? url.resourceValues(forKeys: [.contentModificationDateKey]).contentModificationDate,
                    modified < cutoff, !running.contains(name), !running.contains(url.path)
                else { continue }
                if (try? FileManager.default.removeItem(at: url)) != nil { files += 1 }
            }
        }
        return ["imports_deleted": .int(Int64(records)), "files_deleted": .int(Int64(files))]
    }
}

/// The task's context as the importer's monitor.
struct TaskMonitor: ImportMonitor {
    let context: TaskContext

    func checkCancellation() throws {
        // A soft time limit is the task's to handle; the importer stops on the others.
        do { try context.checkCancellation() } catch is SoftTimeLimitExceeded {}
    }

    func progress(_ meta: JSONValue) {
        try? context.progress(meta)
    }
}

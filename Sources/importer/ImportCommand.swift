import ArgumentParser
import Catalog
import Foundation
import Server
import TaskQueue

/// `importer import FILE`: copies the file into the uploads directory and enqueues its import;
/// `--wait` follows it (a progress bar on a terminal, plain lines otherwise).
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Import a product CSV file (copied into the uploads directory).")

    @OptionGroup var options: GlobalOptions
    @Argument(help: "The CSV file.") var file: String
    @Flag(help: "Follow the import to its end; exit non-zero if it fails.") var wait = false
    @Flag(help: "All or nothing: one transaction for the whole file.") var atomic = false
    @Flag(name: .customLong("dry-run"), help: "Validate and count what would change; write nothing.") var dryRun = false

    func run() async throws {
        let (_, context) = try options.open()
        guard FileManager.default.isReadableFile(atPath: file) else { throw CommandFailure("cannot read \(file)") }
        let submitter = ImportSubmitter(catalog: context.catalog, client: context.client)
        let stored = try submitter.copyIntoUploads(file)
        var importOptions: [String: JSONValue] = [:]
        if atomic { importOptions["atomic"] = true }
        if dryRun { importOptions["dry_run"] = true }
        let (importID, taskID) = try await submitter.submit(
            storedName: stored, filename: (file as NSString).lastPathComponent, options: .object(importOptions))
        guard wait else {
            printJSON(["import_id": .string(importID), "task_id": .string(taskID), "status": "submitted"])
            return
        }
        try await follow(taskID: taskID, importID: importID, context: context)
    }

    private func follow(taskID: String, importID: String, context: AppContext) async throws {
        let terminal = isatty(STDERR_FILENO) == 1
        var lastLine = Date.distantPast
        while true {
            guard case .found(let job) = try await context.store.job(id: taskID) else {
                throw CommandFailure("task \(taskID) no longer exists")
            }
            let meta = job.meta ?? [:]
            if terminal {
                Console.error("\r" + Self.bar(meta))
            } else if Date().timeIntervalSince(lastLine) >= 1 {
                lastLine = Date()
                Console.error(Self.line(meta) + "\n")
            }
            if job.state.isFinal {
                if terminal { Console.error("\n") }
                let record = try await context.catalog.store.importRecord(id: importID)
                switch job.state {
                case .success:
                    printJSON(job.result ?? .null)
                    return
                case .failure:
                    throw CommandFailure("import failed: \(record?.error ?? job.error?.message ?? "unknown error")")
                default:
                    throw CommandFailure("import \(job.state.rawValue.lowercased())")
                }
            }
            // A read of one row: cheap enough that the command ends within 25 ms of the import.
            try await Task.sleep(for: .milliseconds(25))
        }
    }

    static func line(_ meta: JSONValue) -> String {
        let percent = meta["percent"]?.doubleValue ?? 0
        return String(format: "%5.1f%%", percent)
            + "  rows \(meta["rows_processed"]?.intValue ?? 0)  created \(meta["created"]?.intValue ?? 0)"
            + "  updated \(meta["updated"]?.intValue ?? 0)  skipped \(meta["skipped"]?.intValue ?? 0)"
            + "  \(meta["message"]?.stringValue ?? "Waiting")"
    }

    static func bar(_ meta: JSONValue) -> String {
        let percent = min(100, max(0, meta["percent"]?.doubleValue ?? 0))
        let filled = Int(percent / 100 * 30)
        return "[" + String(repeating: "#", count: filled) + String(repeating: " ", count: 30 - filled) + "] " + line(meta)
    }
}

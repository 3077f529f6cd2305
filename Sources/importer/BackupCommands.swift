import ArgumentParser
import Foundation
import GRDB
import Server
import TaskQueue

/// `importer backup DIR`: an online copy of both databases (SQLite's backup API on a read
/// snapshot: a server and workers keep running and writing meanwhile), each checked with
/// `PRAGMA integrity_check`.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup", abstract: "Copy queue.sqlite and catalog.sqlite into DIR while the appliance runs.")

    @OptionGroup var options: GlobalOptions
    @Argument(help: "Directory for the copies (created; must not hold a backup already).") var directory: String

    func run() async throws {
        let (_, context) = try options.openForReading()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var files: [JSONValue] = []
        for (name, source) in [("queue.sqlite", context.store.pool), ("catalog.sqlite", context.catalog.database.pool)] {
            let path = (directory as NSString).appendingPathComponent(name)
            guard !FileManager.default.fileExists(atPath: path) else {
                throw CommandFailure("\(path) exists already: back up into an empty directory")
            }
            let destination = try DatabaseQueue(path: path)
            try source.backup(to: destination)
            // One self-contained file: no WAL beside it.
            try await destination.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA journal_mode = DELETE") }
            let check = try await destination.read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") } ?? "?"
            guard check == "ok" else { throw CommandFailure("the copy \(path) failed its integrity check: \(check)") }
            let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
            files.append(["file": .string(path), "bytes": .int(Int64(size)), "integrity": "ok"])
        }
        printJSON(["directory": .string(directory), "files": .array(files)])
    }
}

/// `importer restore DIR`: puts a backup's databases in place of the data directory's. The
/// appliance must be stopped: with a live worker heartbeat it refuses (unless `--force`).
struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore", abstract: "Replace the data directory's databases with a backup (appliance stopped).")

    @OptionGroup var options: GlobalOptions
    @Argument(help: "A directory written by `importer backup`.") var directory: String
    @Flag(help: "Restore even if a worker looks alive.") var force = false

    func run() async throws {
        let config = try options.loadConfig()
        let names = ["queue.sqlite", "catalog.sqlite"]
        for name in names {
            let path = (directory as NSString).appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: path) else { throw CommandFailure("\(path) is missing: not a backup") }
            let check = try await DatabaseQueue(path: path, configuration: Self.readOnly).read { db in
                try String.fetchOne(db, sql: "PRAGMA integrity_check")
            }
            guard check == "ok" else { throw CommandFailure("\(path) failed its integrity check: \(check ?? "?")") }
        }
        if !force, let live = try Self.liveWorker(config) {
            throw CommandFailure("worker \(live) is running on \(config.dataDir): stop the appliance first (or --force)")
        }
        try FileManager.default.createDirectory(atPath: config.dataDir, withIntermediateDirectories: true)
        for name in names {
            let target = (config.dataDir as NSString).appendingPathComponent(name)
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: target + suffix) }
            try FileManager.default.copyItem(atPath: (directory as NSString).appendingPathComponent(name), toPath: target)
        }
        printJSON(["restored": .string(config.dataDir), "from": .string(directory)])
    }

    static var readOnly: Configuration {
        var configuration = Configuration()
        configuration.readonly = true
        return configuration
    }

    /// A worker whose heartbeat is fresh, if any.
    static func liveWorker(_ config: AppConfig) throws -> String? {
        guard FileManager.default.fileExists(atPath: config.queueDatabasePath) else { return nil }
        let queue = try DatabaseQueue(path: config.queueDatabasePath, configuration: readOnly)
        let since = Date().timeIntervalSince1970 - WorkerConfiguration.staleAfter(heartbeatInterval: config.heartbeatInterval)
        return try queue.read { db in
            guard try db.tableExists("workers") else { return nil }
            return try String.fetchOne(db, sql: "SELECT name FROM workers WHERE last_seen >= ? LIMIT 1", arguments: [since])
        }
    }
}

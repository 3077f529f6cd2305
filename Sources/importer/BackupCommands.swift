import ArgumentParser
import Catalog
import Foundation
import SQLiteSupport
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
        let config = try options.loadConfig()
        try Self.refusePostgres(config)
        let context = try options.open(config)
        let files: [JSONValue]
        do {
            files = try context.backup(to: directory).map { path, bytes in
                ["file": .string(path), "bytes": .int(Int64(bytes)), "integrity": "ok"]
            }
        } catch let error as QueueError {
            throw CommandFailure(error.message)
        } catch let error as CatalogError {
            throw CommandFailure(error.message)
        }
        printJSON(["directory": .string(directory), "files": .array(files)])
    }

    /// Backup and restore copy SQLite files; a queue on PostgreSQL is backed up with its tools.
    static func refusePostgres(_ config: AppConfig) throws {
        guard let url = config.databaseURL else { return }
        throw CommandFailure(
            "the queue is on PostgreSQL (database_url): use pg_dump, e.g. pg_dump --schema=\(url.schema) -Fc \(url.database) "
                + "(docs/scale-out.md); backup and restore copy SQLite databases only")
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
        try BackupCommand.refusePostgres(config)
        let names = ["queue.sqlite", "catalog.sqlite"]
        for name in names {
            let path = (directory as NSString).appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: path) else { throw CommandFailure("\(path) is missing: not a backup") }
            do {
                try SQLiteBackup.integrityCheck(path: path)
            } catch let error as SQLiteError {
                throw CommandFailure(error.message)
            }
        }
        if !force, let live = try await Self.liveWorker(config) {
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

    /// A worker whose heartbeat is fresh, if any (read from the queue database, read-only).
    static func liveWorker(_ config: AppConfig) async throws -> String? {
        guard FileManager.default.fileExists(atPath: config.queueDatabasePath) else { return nil }
        let store = try SQLiteQueueStore(path: config.queueDatabasePath, options: SQLiteOptions(readOnly: true))
        let staleAfter = WorkerConfiguration.staleAfter(heartbeatInterval: config.heartbeatInterval)
        return try await store.workers(seenWithin: staleAfter).first?.name
    }
}

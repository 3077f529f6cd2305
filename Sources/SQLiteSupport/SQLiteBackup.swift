import Foundation
import GRDB

/// A store kept in one SQLite file that can be copied while it is in use.
public protocol OnlineBackup: Sendable {
    /// Copies the database into a new file at `path` from one read snapshot (writers keep
    /// going), as one self-contained file checked with `PRAGMA integrity_check`; returns its size.
    func backup(to path: String) throws -> Int
}

/// The online backup and the integrity check of `importer backup` and `importer restore`.
public enum SQLiteBackup {
    /// SQLite's backup API from `source` into a new file at `path`, turned into a single file
    /// (no WAL beside it) and checked.
    public static func copy(_ source: DatabasePool, to path: String) throws -> Int {
        guard !FileManager.default.fileExists(atPath: path) else {
            throw SQLiteError("\(path) exists already: back up into an empty directory")
        }
        let destination = try DatabaseQueue(path: path)
        try source.backup(to: destination)
        try destination.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA journal_mode = DELETE") }
        try check(destination, path: path, what: "the copy \(path)")
        return (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
    }

    /// Throws unless the file at `path` passes `PRAGMA integrity_check` (opened read-only).
    public static func integrityCheck(path: String) throws {
        var configuration = Configuration()
        configuration.readonly = true
        try check(try DatabaseQueue(path: path, configuration: configuration), path: path, what: path)
    }

    private static func check(_ database: DatabaseQueue, path: String, what: String) throws {
        let result = try database.read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") } ?? "?"
        guard result == "ok" else { throw SQLiteError("\(what) failed its integrity check: \(result)") }
    }
}

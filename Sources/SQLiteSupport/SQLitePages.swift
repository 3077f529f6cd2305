import Foundation
import GRDB

/// A database file's page size, and its rebuild on another (`importer migrate`).
public enum SQLitePages {
    /// Rebuilds the database at `path` on `pageSize`-byte pages unless it has them already;
    /// returns the page size it had, or nil when nothing was done. A WAL database's page size
    /// cannot change: the file leaves WAL for a rollback journal (which SQLite refuses while
    /// another connection has it open: then nothing changes), VACUUM rewrites it with every sync
    /// (a crash or a power loss leaves the old file or the new one, whole), and it goes back to
    /// WAL. It takes about as long as the file takes to copy, and as much free space again.
    public static func rebuild(path: String, pageSize: Int) throws -> Int? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        var configuration = Configuration()
        configuration.busyMode = .timeout(1)
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        defer { try? queue.close() }
        return try queue.writeWithoutTransaction { db -> Int? in
            let current = try size(db)
            guard current != pageSize else { return nil }
            do {
                _ = try String.fetchOne(db, sql: "PRAGMA journal_mode = DELETE")
            } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED {
                throw SQLiteError("\(path) is open in another process: stop the appliance (serve, worker, api) first")
            }
            do {
                try db.execute(sql: "PRAGMA synchronous = FULL")
                try db.execute(sql: "PRAGMA page_size = \(pageSize)")
                try db.execute(sql: "VACUUM")
            } catch {
                // The file is whole (VACUUM is one transaction): back to WAL, as it was.
                _ = try? String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
                throw error
            }
            _ = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
            return current
        }
    }

    /// The page size of the open database `db`.
    public static func size(_ db: Database) throws -> Int {
        try Int.fetchOne(db, sql: "PRAGMA page_size") ?? 4096
    }
}

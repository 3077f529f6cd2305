import Foundation
import GRDB

/// Opening a WAL database that several processes share. Modules (TaskQueue, Catalog) each own
/// one file and pass their own migrator.
public enum SQLiteDatabase {
    /// Opens the database and makes its checkpointer (see `WALCheckpointer`), a service the
    /// application runs beside the workers; none for a read-only database. The writer connection
    /// checkpoints itself at `autocheckpoint`.
    public static func openWithCheckpointer(
        path: String, options: SQLiteOptions, migrator: DatabaseMigrator, autocheckpoint: Autocheckpoint = .bytes(16 << 20)
    ) throws -> (pool: DatabasePool, checkpointer: WALCheckpointer?) {
        let pool = try open(path: path, options: options, migrator: migrator)
        guard !options.readOnly else { return (pool, nil) }
        try pool.writeWithoutTransaction { db in try autocheckpoint.apply(to: db) }
        return (pool, try WALCheckpointer(path: path))
    }

    /// Read-only (`options.readOnly`): the file must exist; nothing is created, locked or
    /// migrated, so this works on a read-only filesystem.
    public static func open(path: String, options: SQLiteOptions, migrator: DatabaseMigrator) throws -> DatabasePool {
        if options.readOnly { return try openReadOnly(path: path, configuration: configuration(options)) }
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw SQLiteError("cannot create directory \(directory): \(error.localizedDescription)")
            }
        }
        let configuration = configuration(options)
        do {
            return try FileLock.withExclusiveLock(path: path + ".lock") {
                let pool = try DatabasePool(path: path, configuration: configuration)
                try migrator.migrate(pool)
                // DatabasePool sets NORMAL itself after prepareDatabase: FULL must come after.
                try pool.writeWithoutTransaction { db in
                    try db.execute(sql: "PRAGMA synchronous = \(options.synchronous.rawValue)")
                }
                return pool
            }
        } catch let error as SQLiteError {
            throw error
        } catch let error as DatabaseError {
            throw SQLiteError("cannot open database \(path): \(error.message ?? "\(error.resultCode)")")
        }
    }

    private static func openReadOnly(path: String, configuration: Configuration) throws -> DatabasePool {
        guard FileManager.default.fileExists(atPath: path) else { throw SQLiteError("cannot open database \(path): no such file") }
        do {
            return try DatabasePool(path: path, configuration: configuration)
        } catch let error as DatabaseError {
            throw SQLiteError("cannot open database \(path) read-only: \(error.message ?? "\(error.resultCode)")")
        }
    }

    private static func configuration(_ options: SQLiteOptions) -> Configuration {
        var configuration = Configuration()
        configuration.busyMode = .timeout(options.busyTimeout)
        configuration.readonly = options.readOnly
        configuration.maximumReaderCount = 4
        configuration.prepareDatabase { db in
            // Debian's SQLite defaults WAL connections to FULL; readers never write anyway.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // Statement journals in memory: an upsert into a table with indexes keeps one for
            // each statement, and on disk that is several page writes per row (measured: 7
            // `pwrite` calls per imported row, most of the import's time).
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
            // Only takes effect before the file's first page is written (before WAL is set).
            if let pageSize = options.pageSize { try db.execute(sql: "PRAGMA page_size = \(pageSize)") }
        }
        return configuration
    }
}

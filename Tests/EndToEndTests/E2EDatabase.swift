import Foundation
import PostgresSupport
import Synchronization
import TestSupport
import Testing

/// The end-to-end suite runs on SQLite (each sandbox's data directory) and, a second time with
/// `IMPORTER_TEST_E2E_POSTGRES=1` and `IMPORTER_TEST_DATABASE_URL` (as `.ci/run` does), with every
/// sandbox on a PostgreSQL schema of its own: each process started on a sandbox's data directory
/// gets its `IMPORTER_DATABASE_URL` (DESIGN.md §14). Tests of SQLite's own files are tagged
/// `sqliteOnly` and skipped in that pass.
enum E2EDatabase {
    static let isPostgres = ProcessInfo.processInfo.environment["IMPORTER_TEST_E2E_POSTGRES"] == "1" && TestDatabase.url != nil
    static var isSQLite: Bool { !isPostgres }

    private static let urls = Mutex<[String: String]>([:])

    /// The `database_url` of a fresh schema of the test server.
    static func url(schema: String) -> String? {
        guard let url = ProcessInfo.processInfo.environment["IMPORTER_TEST_DATABASE_URL"], !url.isEmpty else { return nil }
        return url + (url.contains("?") ? "&" : "?") + "schema=\(schema)"
    }

    /// In the PostgreSQL pass: a fresh schema for the sandbox at `dataDir`, its pool returned.
    static func attach(dataDir: String) throws -> PostgresPool? {
        guard isPostgres else { return nil }
        let pool = try TestDatabase.freshPool()
        let url = url(schema: pool.url.schema)
        urls.withLock { $0[dataDir] = url }
        return pool
    }

    static func detach(dataDir: String) {
        _ = urls.withLock { $0.removeValue(forKey: dataDir) }
    }

    /// The `IMPORTER_DATABASE_URL` of the sandbox at `dataDir`, if it has one.
    static func url(forDataDir dataDir: String) -> String? {
        urls.withLock { $0[dataDir] }
    }
}

extension Tag {
    /// Tests of SQLite's own files or settings (backup, the WAL, read-only files, upgrades).
    @Tag static var sqliteOnly: Self
}

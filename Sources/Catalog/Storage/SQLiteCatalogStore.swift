import Common
import Foundation
import GRDB
import SQLiteSupport
import Synchronization

/// The catalogue in `catalog.sqlite` (DESIGN.md §7, §10): products, imports with their row
/// errors, the catalogue lock and the product count. The database handle stays inside: every
/// read and write is one of the store's methods, each one transaction, and every failure
/// leaves as a `CatalogError` with a backend-neutral code.
public final class SQLiteCatalogStore: CatalogStore, OnlineBackup {
    private let pool: DatabasePool
    /// The short writes of request handlers (manual product writes, records), gathered into
    /// group transactions, each in its own savepoint.
    private let writer: GroupCommitWriter
    /// Checkpoints the WAL outside the writers' transactions: a service the application runs
    /// (nil when opened read-only).
    public let checkpointer: WALCheckpointer?
    /// Asked why a write failed, when SQLite only says "I/O error".
    private let probe: StorageProbe
    /// The import's upsert statements, prepared on the writer connection at first use.
    private let importStatements = Mutex<ImportStatements?>(nil)
    /// Woken once a transaction that wrote webhook events committed: the relay waits on it.
    let eventsRecorded = WakeableSleep()

    /// The page size of a new catalogue: SQLite's 4 KiB. 16 KiB pages (issue 23) made the first
    /// 500k import 20% faster, but every short write copies each page it touches into the WAL
    /// whole: with them, PUT's p99 rose over its 10 ms bound (10.8–12.3 ms against 6.6–7.8) and
    /// webhook deliveries with updates running fell 18% (BENCHMARKS.md, 2026-12-05). At 4 KiB the
    /// import stays under half the sqlite3 CLI's time. A catalogue keeps the page size it was
    /// made with (a WAL database's cannot change) until `importer migrate` rebuilds it
    /// (`rebuildPages`).
    static let pageSize = 4096

    /// Rebuilds the catalogue at `path` on a new catalogue's pages (`SQLitePages.rebuild`: the
    /// appliance stopped); returns the page size it had, or nil when it had them already.
    public static func rebuildPages(path: String) throws -> (from: Int, to: Int)? {
        do {
            return try SQLitePages.rebuild(path: path, pageSize: pageSize).map { ($0, pageSize) }
        } catch {
            throw catalogError(error, probe: StorageProbe(databases: [path]))
        }
    }

    /// The page size this catalogue was made with, when it is not a new catalogue's (say so:
    /// `importer migrate` rebuilds it).
    public func pagesToRebuild() -> Int? {
        guard let size = try? writerConnection(SQLitePages.size), size != Self.pageSize else { return nil }
        return size
    }

    /// Opens (creating and migrating if needed) the catalogue at `path`. `probe` says why the
    /// directory cannot be written when a write fails (default: the file's own directory).
    public init(path: String, options: SQLiteOptions = SQLiteOptions(), probe: StorageProbe? = nil) throws {
        let probe = probe ?? StorageProbe(databases: [path])
        var options = options
        options.pageSize = Self.pageSize
        do {
            (pool, checkpointer) = try SQLiteDatabase.openWithCheckpointer(
                path: path, options: options, migrator: Self.migrator, autocheckpoint: Self.shortWriteCheckpoint)
        } catch {
            throw Self.catalogError(error, probe: probe)
        }
        self.writer = GroupCommitWriter(pool: pool)
        self.probe = probe
    }

    deinit {
        // Finalized while the connection is open.
        importStatements.withLock { $0 = nil }
    }

    public func backup(to path: String) throws -> Int {
        do { return try SQLiteBackup.copy(pool, to: path) } catch { throw catalogError(error) }
    }

    // MARK: Storage access: every failure leaves as a CatalogError

    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do { return try await pool.read(body) } catch { throw catalogError(error) }
    }

    func readSync<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try pool.read(body) } catch { throw catalogError(error) }
    }

    /// A read of one statement from a task's thread, outside a transaction: one SELECT is its own
    /// snapshot, and GRDB's `read` prepares a BEGIN and a COMMIT around it each time (about 3% of
    /// a webhook delivery's CPU).
    func readStatementSync<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try pool.unsafeRead(body) } catch { throw catalogError(error) }
    }

    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do { return try await writer.write(body) } catch { throw catalogError(error) }
    }

    func writeSync<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try pool.write(body) } catch { throw catalogError(error) }
    }

    /// A short write from a task's thread in the next group transaction, in its own savepoint:
    /// the webhook pool's attempt records, written by several slots at once, share commits and
    /// the WAL's pages (each alone wrote ~8 pages).
    func groupWriteSync<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) throws -> T {
        do { return try writer.writeSync(body) } catch { throw catalogError(error) }
    }

    /// A short write that may record webhook events (`WebhookOutbox`): the relay is woken once
    /// it committed.
    func write<T: Sendable>(_ body: @escaping @Sendable (Database, WebhookOutbox) throws -> T) async throws -> T {
        let outbox = WebhookOutbox()
        let value = try await write { db in try body(db, outbox) }
        if outbox.didRecord { eventsRecorded.wake() }
        return value
    }

    /// The same from a task's thread.
    func writeSync<T>(_ body: (Database, WebhookOutbox) throws -> T) throws -> T {
        let outbox = WebhookOutbox()
        let value = try writeSync { db in try body(db, outbox) }
        if outbox.didRecord { eventsRecorded.wake() }
        return value
    }

    /// One IMMEDIATE transaction on the writer connection, for the import's batches.
    func immediateTransaction<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try pool.writeWithoutTransaction { db in
                var value: T?
                try db.inTransaction(.immediate) {
                    value = try body(db)
                    return .commit
                }
                return value!
            }
        } catch {
            throw catalogError(error)
        }
    }

    /// Statements outside a transaction (pragmas) on the writer connection.
    func writerConnection<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try pool.writeWithoutTransaction(body) } catch { throw catalogError(error) }
    }

    /// The import's prepared statements on the writer connection (call inside a write).
    func statements(_ db: Database) throws -> ImportStatements {
        try importStatements.withLock { statements in
            if let statements { return statements }
            let prepared = try ImportStatements(db)
            statements = prepared
            return prepared
        }
    }

    private func catalogError(_ error: any Error) -> any Error {
        Self.catalogError(error, probe: probe)
    }

    /// A storage condition (full, read-only, busy, I/O) keeps its neutral code; any other
    /// SQLite failure is a plain storage error carrying SQLite's message.
    private static func catalogError(_ error: any Error, probe: StorageProbe) -> any Error {
        switch error {
        case let error as DatabaseError:
            if let fault = SQLiteFault.classify(error, condition: probe.condition) {
                return CatalogError.storage(fault, cause: error)
            }
            if error.resultCode == .SQLITE_CONSTRAINT {
                return CatalogError.constraint(
                    "the write conflicts with the catalogue's data: \(error.message ?? "constraint")", cause: error)
            }
            return CatalogError.storage("the catalogue database failed: \(error.message ?? "\(error.resultCode)")", cause: error)
        case let error as SQLiteError:
            return CatalogError.storage(error.message, cause: error)
        default:
            return error
        }
    }
}

import CSQLite
import GRDB

/// Statements a `GroupCommitWriter` prepares once on its writer connection: at least its
/// transaction's own (`TransactionStatements`).
public protocol WriterStatements: AnyObject, Sendable {
    /// The group transaction's BEGIN and COMMIT and each write's savepoint, as prepared
    /// statements (no generic calls on the hot path).
    var transactions: TransactionStatements { get }
    /// Runs last in every group transaction, before it commits: writes what the transaction's
    /// writes gathered in memory (the queue's stats rollup). Its error fails the transaction.
    func willCommit(_ db: Database) throws
}

extension WriterStatements {
    public func willCommit(_ db: Database) throws {}
}

/// The statements of a group transaction, as raw prepared statements: its `BEGIN IMMEDIATE` and
/// `COMMIT`, and the savepoint that gives each of its writes its own rollback. GRDB's
/// `inTransaction` prepares its `BEGIN` and `COMMIT` again for every transaction, through its
/// SQL-literal machinery: about 5% of the webhook drain's CPU. Only used inside the writer's
/// transactions, one at a time.
public final class TransactionStatements: WriterStatements, @unchecked Sendable {
    private let connection: OpaquePointer
    private let begin: RawStatement
    private let commit: RawStatement
    private let rollbackTransaction: RawStatement
    private let savepoint: RawStatement
    private let release: RawStatement
    private let rollback: RawStatement

    public var transactions: TransactionStatements { self }

    public init(_ db: Database) throws {
        guard let connection = db.sqliteConnection else { throw SQLiteError("the database connection is closed") }
        func prepare(_ sql: String) throws -> RawStatement { try RawStatement(connection: connection, sql: sql) }
        self.connection = connection
        begin = try prepare("BEGIN IMMEDIATE")
        commit = try prepare("COMMIT")
        rollbackTransaction = try prepare("ROLLBACK")
        savepoint = try prepare("SAVEPOINT write")
        release = try prepare("RELEASE SAVEPOINT write")
        rollback = try prepare("ROLLBACK TO SAVEPOINT write")
    }

    /// Runs `body` in one `BEGIN IMMEDIATE` transaction, committed when it returns and rolled
    /// back when it (or the commit) throws.
    public func immediate(_ body: () throws -> Void) throws {
        try begin.run()
        do {
            try body()
            try commit.run()
        } catch {
            // A failed COMMIT may leave the transaction open (SQLITE_BUSY); SQLite may also have
            // rolled it back by itself (a full disk).
            if sqlite3_get_autocommit(connection) == 0 { _ = try? rollbackTransaction.run() }
            throw error
        }
    }

    /// Runs `body` inside a savepoint: its changes are undone if it throws.
    public func run<T>(_ body: () throws -> T) throws -> T {
        try savepoint.run()
        do {
            let value = try body()
            try release.run()
            return value
        } catch {
            try rollback.run()
            try release.run()
            throw error
        }
    }
}

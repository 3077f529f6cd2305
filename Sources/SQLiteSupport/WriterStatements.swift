import GRDB

/// Statements a `GroupCommitWriter` prepares once on its writer connection: at least the
/// savepoint that gives each write of a group transaction its own rollback.
public protocol WriterStatements: AnyObject, Sendable {
    /// The savepoint of one write, as prepared statements (no generic calls on the hot path).
    var savepoints: Savepoints { get }
    /// Runs last in every group transaction, before it commits: writes what the transaction's
    /// writes gathered in memory (the queue's stats rollup). Its error fails the transaction.
    func willCommit(_ db: Database) throws
}

extension WriterStatements {
    public func willCommit(_ db: Database) throws {}
}

/// The savepoint statements, as raw prepared statements (a group transaction runs one per
/// write). Only used inside the writer's transactions, one at a time.
public final class Savepoints: WriterStatements, @unchecked Sendable {
    private let savepoint: RawStatement
    private let release: RawStatement
    private let rollback: RawStatement

    public var savepoints: Savepoints { self }

    public init(_ db: Database) throws {
        guard let connection = db.sqliteConnection else { throw SQLiteError("the database connection is closed") }
        savepoint = try RawStatement(connection: connection, sql: "SAVEPOINT write")
        release = try RawStatement(connection: connection, sql: "RELEASE SAVEPOINT write")
        rollback = try RawStatement(connection: connection, sql: "ROLLBACK TO SAVEPOINT write")
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

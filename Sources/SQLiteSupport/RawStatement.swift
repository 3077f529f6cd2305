import CSQLite
import Foundation
import GRDB

/// A prepared statement through the C API, for statements run tens of thousands of times a
/// second (the queue's claim and ack, the import's upsert), where GRDB's per-statement
/// conveniences cost as much as SQLite's own work (STACK.md). Not thread-safe: its owner
/// serializes every use (the group-commit writer, the import's thread).
public final class RawStatement {
    private let handle: OpaquePointer
    private let connection: OpaquePointer

    /// SQLite copies bound text at once (`SQLITE_TRANSIENT`).
    private static let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

    public init(connection: OpaquePointer, sql: String) throws {
        var statement: OpaquePointer?
        let code = sqlite3_prepare_v3(connection, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard code == SQLITE_OK, let statement else {
            throw SQLiteError("cannot prepare statement: \(String(cString: sqlite3_errmsg(connection)))")
        }
        self.handle = statement
        self.connection = connection
    }

    deinit {
        sqlite3_finalize(handle)
    }

    /// Binds `values` (Int, Int64, Double, Bool, String, nil) from index 1.
    public func bind(_ values: [Any?]) {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            switch value {
            case let text as String: sqlite3_bind_text(handle, index, text, -1, Self.transient)
            case let number as Int: sqlite3_bind_int64(handle, index, Int64(number))
            case let number as Int64: sqlite3_bind_int64(handle, index, number)
            case let number as Double: sqlite3_bind_double(handle, index, number)
            case let flag as Bool: sqlite3_bind_int64(handle, index, flag ? 1 : 0)
            default: sqlite3_bind_null(handle, index)
            }
        }
    }

    // Binding one parameter (from index 1) after `reset()`, without boxing values.

    /// Text bound without a copy: `bytes` must stay valid until the statement is reset.
    public func bindText(_ index: Int32, _ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else {
            // A null pointer would bind NULL, not the empty string.
            sqlite3_bind_text(handle, index, "", 0, Self.transient)
            return
        }
        sqlite3_bind_text(handle, index, base.assumingMemoryBound(to: CChar.self), Int32(bytes.count), nil)
    }

    public func bindText(_ index: Int32, _ text: String) {
        sqlite3_bind_text(handle, index, text, -1, Self.transient)
    }

    public func bindInt(_ index: Int32, _ value: Int64) { sqlite3_bind_int64(handle, index, value) }
    public func bindDouble(_ index: Int32, _ value: Double) { sqlite3_bind_double(handle, index, value) }
    public func bindNull(_ index: Int32) { sqlite3_bind_null(handle, index) }

    /// Steps once: true when a row is available. A failure throws GRDB's `DatabaseError` with
    /// SQLite's code, as GRDB's own statements do, so that callers tell a full disk (or a
    /// read-only one) from other failures the same way on both paths.
    public func step() throws -> Bool {
        let code = sqlite3_step(handle)
        switch code {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            let message = String(cString: sqlite3_errmsg(connection))
            sqlite3_reset(handle)
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message)
        }
    }

    /// Runs the bound statement to completion; returns the rows it changed.
    @discardableResult
    public func execute() throws -> Int {
        while try step() {}
        return Int(sqlite3_changes(connection))
    }

    /// Runs the statement to completion; returns the rows it changed.
    @discardableResult
    public func run(_ values: [Any?] = []) throws -> Int {
        bind(values)
        while try step() {}
        sqlite3_reset(handle)
        return Int(sqlite3_changes(connection))
    }

    public func int(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }
    public func double(_ column: Int32) -> Double { sqlite3_column_double(handle, column) }
    public func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }
    public func text(_ column: Int32) -> String {
        guard let pointer = sqlite3_column_text(handle, column) else { return "" }
        return String(cString: pointer)
    }

    /// The column's text as bytes, without a copy: valid until the next step or reset.
    public func bytes(_ column: Int32) -> UnsafeRawBufferPointer {
        guard let pointer = sqlite3_column_text(handle, column) else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: pointer, count: Int(sqlite3_column_bytes(handle, column)))
    }

    public func reset() { sqlite3_reset(handle) }
}

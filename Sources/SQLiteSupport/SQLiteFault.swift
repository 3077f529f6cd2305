import Common
import GRDB

/// SQLite's result codes as the backend-neutral `StorageFault`, completed by what the filesystem
/// says: SQLite reports a write refused by a read-only mount or an immutable file as a plain
/// I/O error, so the probe is asked why (only for those codes).
public enum SQLiteFault {
    /// The fault `error` stands for; nil when it is not a storage condition (a constraint, a
    /// bug in a statement).
    public static func classify(_ error: DatabaseError, condition: () -> StorageProbe.Condition) -> StorageFault? {
        let transient = [.SQLITE_BUSY, .SQLITE_LOCKED, .SQLITE_IOERR, .SQLITE_FULL].contains(error.resultCode)
        switch error.resultCode {
        case .SQLITE_FULL:
            return .full(isTransient: transient)
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return .busy()
        case .SQLITE_READONLY, .SQLITE_IOERR, .SQLITE_CANTOPEN:
            switch (error.resultCode, condition()) {
            case (.SQLITE_IOERR, .full):
                return .full(isTransient: transient)
            case (_, .readOnly(let reason)):
                return .readOnly(reason, isTransient: transient)
            case (.SQLITE_READONLY, _):
                return .readOnly("the database is read-only (file permissions or a read-only disk)", isTransient: transient)
            default:
                return .unavailable("the database cannot be written (I/O error): nothing was changed", isTransient: transient)
            }
        default:
            return nil
        }
    }
}

import Common
import NIOCore
import PostgresNIO

/// PostgreSQL's errors as the backend-neutral `StorageFault` (DESIGN.md §14): SQLSTATE 53100 →
/// full, 25006 → read-only, 55P03/40P01/40001 → busy, class 08 and 57P0x → unavailable, and a
/// connection that could not be made or was lost → unavailable.
public enum PostgresFault {
    /// The fault `error` stands for; nil when it is not a storage condition (a constraint, a bug
    /// in a statement).
    public static func classify(_ error: any Error) -> StorageFault? {
        if error is PostgresPoolClosed { return .unavailable("the database connection pool is closed", isTransient: false) }
        if error is IOError || error is ChannelError {
            return .unavailable("the PostgreSQL server cannot be reached: nothing was changed; retry when it is back")
        }
        guard let error = error as? PSQLError else { return nil }
        switch error.code {
        case .server:
            let state = sqlState(error) ?? ""
            switch state {
            case "53100": return .full()
            case "25006": return .readOnly("the PostgreSQL server is read-only (a standby, or default_transaction_read_only)", isTransient: true)
            case "55P03", "40P01", "40001": return .busy()
            case _ where state.hasPrefix("08") || state.hasPrefix("57P"):
                return .unavailable("the PostgreSQL server is unavailable (\(state)): nothing was changed; retry when it is back")
            default: return nil
            }
        case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .sslUnsupported,
            .failedToAddSSLHandler:
            return .unavailable("the PostgreSQL server cannot be reached: nothing was changed; retry when it is back")
        default:
            return nil
        }
    }

    /// The SQLSTATE of a server error.
    public static func sqlState(_ error: any Error) -> String? {
        (error as? PSQLError)?.serverInfo?[.sqlState]
    }

    /// Whether `error` is a unique or other constraint violation (class 23).
    public static func isConstraint(_ error: any Error) -> Bool {
        sqlState(error)?.hasPrefix("23") ?? false
    }

    /// The server's own message, or the error's description.
    public static func message(_ error: any Error) -> String {
        if let error = error as? PSQLError, let message = error.serverInfo?[.message] { return message }
        return String(describing: error)
    }
}

/// A PostgreSQL error, carried as the cause of a `QueueError` or `CatalogError` (which must be
/// `Sendable`; postgres-nio's errors are not all).
public struct SendableError: Error, @unchecked Sendable, CustomStringConvertible {
    public let error: any Error
    public init(_ error: any Error) { self.error = error }
    public var description: String { String(describing: error) }
}

import Foundation

/// How a database file is opened: WAL, a busy timeout, `synchronous` from config, and
/// migrations applied under a cross-process lock.
public struct SQLiteOptions: Sendable, Equatable {
    public enum Synchronous: String, Sendable, CaseIterable {
        case normal = "NORMAL"
        case full = "FULL"
    }

    public var synchronous: Synchronous
    /// How long a connection waits for another process's write lock.
    public var busyTimeout: TimeInterval
    public var readOnly: Bool
    /// The page size of a database file this creates (nil: SQLite's 4 KiB). A file that exists
    /// keeps the page size it was made with.
    public var pageSize: Int?

    public init(synchronous: Synchronous = .normal, busyTimeout: TimeInterval = 10, readOnly: Bool = false, pageSize: Int? = nil) {
        self.synchronous = synchronous
        self.busyTimeout = busyTimeout
        self.readOnly = readOnly
        self.pageSize = pageSize
    }
}

import GRDB

/// When a writer connection checkpoints the WAL itself (`PRAGMA wal_autocheckpoint`, which
/// counts frames, one page each).
public enum Autocheckpoint: Sendable, Equatable {
    /// Once the WAL holds this many bytes of pages, whatever the file's page size.
    case bytes(Int)
    /// Once the WAL holds this many frames: the commits between checkpoints stay the same
    /// whatever the page size.
    case pages(Int)

    public func apply(to db: Database) throws {
        let pages: Int
        switch self {
        case .pages(let count):
            pages = count
        case .bytes(let bytes):
            pages = bytes / (try Int.fetchOne(db, sql: "PRAGMA page_size") ?? 4096)
        }
        try db.execute(sql: "PRAGMA wal_autocheckpoint = \(max(1, pages))")
    }
}

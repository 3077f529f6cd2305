/// Why storage refused an operation, said the same way by every backend, so that callers (the
/// HTTP API, a task deciding whether to retry) never look at a backend's own error codes. Each
/// backend maps its errors to these inside its store: SQLite result codes completed by what the
/// filesystem says, PostgreSQL's SQLSTATE classes.
public struct StorageFault: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, CaseIterable {
        /// No space left: nothing was changed.
        case full = "storage_full"
        /// Writes are refused (a read-only or failed disk, files that cannot be written).
        case readOnly = "storage_read_only"
        /// Another writer holds the lock for longer than the busy timeout.
        case busy = "storage_busy"
        /// The storage failed (an I/O error, a lost connection).
        case unavailable = "storage_unavailable"
    }

    public let kind: Kind
    /// A human sentence saying what happened and that nothing was changed.
    public let message: String
    /// Whether the same operation may succeed later without anyone changing anything (a busy
    /// lock, a full or failing disk that recovers): long work retries these.
    public let isTransient: Bool

    public init(_ kind: Kind, message: String, isTransient: Bool) {
        self.kind = kind
        self.message = message
        self.isTransient = isTransient
    }

    /// The snake_case code, as used in API error bodies.
    public var code: String { kind.rawValue }
    public var description: String { message }

    public static func full(isTransient: Bool = true) -> StorageFault {
        StorageFault(
            .full, message: "the data directory's disk is full: nothing was changed; free some space and retry",
            isTransient: isTransient)
    }

    /// `reason` is a clause saying what cannot be written and why.
    public static func readOnly(_ reason: String, isTransient: Bool) -> StorageFault {
        StorageFault(
            .readOnly, message: "writes are refused: \(reason); nothing was changed, reads keep working",
            isTransient: isTransient)
    }

    public static func busy() -> StorageFault {
        StorageFault(.busy, message: "the database is busy: retry shortly", isTransient: true)
    }

    public static func unavailable(_ message: String, isTransient: Bool = true) -> StorageFault {
        StorageFault(.unavailable, message: message, isTransient: isTransient)
    }
}

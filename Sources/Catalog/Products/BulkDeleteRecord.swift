import Foundation

/// A bulk delete as recorded (DESIGN.md §10): it deletes the products that existed when it
/// started — those up to `boundary`, the newest id then — in batches.
public struct BulkDeleteRecord: Sendable, Equatable {
    public enum State: String, Sendable {
        case pending = "PENDING", running = "RUNNING", success = "SUCCESS", failure = "FAILURE", revoked = "REVOKED"
        public var isFinal: Bool { self == .success || self == .failure || self == .revoked }
    }

    public var id: String
    public var taskID: String?
    public var state: State
    /// Products when it started (fixed by its first run).
    public var total: Int
    public var deletedCount: Int
    /// Products created while it ran, which it kept.
    public var keptNew: Int
    /// The newest product id when it started; nil before it started or when the catalogue was empty.
    public var boundary: String?
    public var message: String?
    public var error: String?
    public var createdAt: Date
    public var startedAt: Date?
    public var finishedAt: Date?

    /// Share of the products deleted, with one decimal; 100 once it succeeded.
    public var percent: Double {
        if state == .success { return 100 }
        guard total > 0 else { return 0 }
        return (min(1, Double(deletedCount) / Double(total)) * 1000).rounded() / 10
    }
}

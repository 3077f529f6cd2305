/// A job's state, named as Celery names them (DESIGN.md §3 "states").
public enum TaskState: String, Sendable, Codable, CaseIterable, Hashable {
    /// Waiting to be claimed, including a job delayed by ETA or countdown.
    case pending = "PENDING"
    /// Claimed by a worker slot; the body is running.
    case started = "STARTED"
    /// Running, with progress `meta` reported by the body.
    case progress = "PROGRESS"
    /// Waiting for its retry time after a retryable error.
    case retry = "RETRY"
    case success = "SUCCESS"
    case failure = "FAILURE"
    case revoked = "REVOKED"

    /// Final states never change again.
    public var isFinal: Bool {
        switch self {
        case .success, .failure, .revoked: return true
        case .pending, .started, .progress, .retry: return false
        }
    }

    /// A job in one of these states is held by a lease.
    public var isRunning: Bool { self == .started || self == .progress }

    /// A job in one of these states waits to be claimed (possibly not yet due).
    public var isWaiting: Bool { self == .pending || self == .retry }
}

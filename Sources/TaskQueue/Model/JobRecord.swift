import Foundation

/// Everything known about a job.
public struct JobRecord: Sendable, Equatable {
    public var id: String
    public var name: String
    public var queue: String
    public var priority: Int
    public var state: TaskState
    public var args: [JSONValue]
    public var kwargs: [String: JSONValue]
    public var enqueuedAt: Date
    public var runAt: Date
    public var startedAt: Date?
    public var dateDone: Date?
    public var leaseUntil: Date?
    public var worker: String?
    public var deliveries: Int
    /// Deliveries whose lease lapsed.
    public var lostDeliveries: Int
    public var retries: Int
    public var meta: JSONValue?
    public var result: JSONValue?
    public var error: TaskErrorInfo?
    public var revokeRequested: Bool
    public var expiresAt: Date?
    public var attempts: [Attempt]
    /// The dead letter this task re-runs (`POST /api/v1/tasks/{id}/retry`).
    public var retryOf: String? = nil
    /// The task that re-runs this dead letter.
    public var retriedAs: String? = nil

    /// The state a reader should see at `now`: a running job whose lease lapsed is waiting to
    /// be delivered again, so it shows as `PENDING` even before a worker reclaims it.
    public func visibleState(at now: Date) -> TaskState {
        if state.isRunning, let leaseUntil, leaseUntil < now { return .pending }
        return state
    }
}

/// The answer to a lookup by id: unknown ids are never a fake `PENDING`.
public enum JobLookup: Sendable, Equatable {
    case found(JobRecord)
    /// Never existed, or its result expired and was (or is about to be) deleted.
    case notFound
}

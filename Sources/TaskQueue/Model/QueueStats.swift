import Foundation

/// Per-queue counts, as `GET /api/v1/queues` and `inspect stats` show them.
public struct QueueStats: Sendable, Equatable {
    public var name: String
    /// Due `PENDING` jobs.
    public var waiting = 0
    /// `PENDING` or `RETRY` jobs whose time has not come.
    public var delayed = 0
    /// `STARTED` or `PROGRESS`.
    public var running = 0
    /// `RETRY` jobs (due or not).
    public var retrying = 0
    /// `FAILURE` jobs kept as dead letters.
    public var failed = 0
    /// Seconds the oldest due waiting job has waited; nil when none waits.
    public var oldestWaitingAge: Double?
    /// Not claimed from while paused.
    public var paused = false

    public init(name: String) {
        self.name = name
    }
}

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

/// Folds what a backend reads per queue (waiting jobs by state and due time, leases by whether
/// they are live, dead letters, pauses) into `QueueStats`, the same way for every backend.
struct QueueStatsTally {
    private var stats: [String: QueueStats] = [:]
    /// The time "due" and "live" were read at, in Unix seconds.
    let now: Double

    init(now: Double) { self.now = now }

    /// `count` jobs of `queue` in `PENDING` or `RETRY` (`state`), due or not, the earliest
    /// due at `oldest`.
    mutating func waiting(queue: String, state: String, due: Bool, count: Int, oldest: Double) {
        let now = self.now
        update(queue) { entry in
            if state == TaskState.retry.rawValue { entry.retrying += count }
            if !due {
                entry.delayed += count
            } else if state == TaskState.pending.rawValue {
                entry.waiting += count
                entry.oldestWaitingAge = max(0, now - oldest)
            }
        }
    }

    /// `count` leased jobs of `queue`; a lapsed lease waits to be delivered again.
    mutating func leased(queue: String, live: Bool, count: Int, oldest: Double) {
        let now = self.now
        update(queue) { entry in
            if live {
                entry.running += count
            } else {
                entry.waiting += count
                entry.oldestWaitingAge = max(entry.oldestWaitingAge ?? 0, now - oldest)
            }
        }
    }

    mutating func failed(queue: String, count: Int) {
        update(queue) { $0.failed += count }
    }

    /// A paused queue is listed even when empty.
    mutating func paused(queue: String) {
        update(queue) { $0.paused = true }
    }

    /// By queue name.
    var result: [QueueStats] { stats.values.sorted { $0.name < $1.name } }

    private mutating func update(_ queue: String, _ change: (inout QueueStats) -> Void) {
        var entry = stats[queue] ?? QueueStats(name: queue)
        change(&entry)
        stats[queue] = entry
    }
}

import Foundation

/// The producers' and operators' side of the queue: enqueue, look up and list jobs, revoke,
/// purge, pause, re-run dead letters, expire results, and the counts the API and metrics show.
public protocol QueueAdminStore: Sendable {
    /// Stores a job and returns its id once committed.
    func enqueue(_ job: NewJob) async throws -> EnqueueResult

    /// Revokes a job: waiting → `REVOKED` at once; running → flagged. Returns the state
    /// after the call, or nil for an unknown id.
    func revoke(id: String) async throws -> TaskState?

    /// Deletes waiting jobs (`PENDING` incl. delayed, and `RETRY`) of one queue or all.
    func purge(queue: String?) async throws -> Int

    /// Re-enqueues a `FAILURE` or `REVOKED` job as a new task linked to it both ways.
    func retry(id: String) async throws -> RetryOutcome

    /// Pauses (no claims from it; running jobs finish) or resumes a queue. Persisted.
    func setPaused(queue: String, paused: Bool) async throws
    func pausedQueues() async throws -> Set<String>

    /// Deletes up to `limit` jobs whose results expired; returns how many.
    func deleteExpired(limit: Int) async throws -> Int

    /// Deletes those of `ids` that are finished (`SUCCESS`, `FAILURE`, `REVOKED`), with their
    /// attempts, in one transaction; returns the ids deleted. Others are left as they are.
    func deleteFinished(ids: [String]) async throws -> [String]

    // MARK: Queries

    func job(id: String) async throws -> JobLookup
    /// Newest first.
    func jobs(_ filter: JobFilter) async throws -> [JobRecord]
    /// How many jobs match `filter` in each state (its limit and offset ignored; with a state,
    /// only that state's). A store may stop counting a state no index counts at `limit`: it
    /// then reports exactly `limit` and lists the state in `atLeast`. Without a limit, exact.
    func countJobs(_ filter: JobFilter, limit: Int?) async throws -> JobCounts
    /// How many jobs match `filter` (its limit and offset ignored), with `countJobs`' limit.
    func totalJobs(_ filter: JobFilter, limit: Int?) async throws -> JobTotal
    /// Waiting, delayed, running, retrying and failed counts per queue, by queue name.
    func queueStats() async throws -> [QueueStats]
    /// Jobs per queue and state (for metrics).
    func countsByQueueAndState() async throws -> [String: [TaskState: Int]]
    /// Waiting jobs whose due time is in the future, soonest first.
    func scheduled(limit: Int) async throws -> [JobRecord]
    /// Jobs held by a live lease.
    func running() async throws -> [JobRecord]
    /// The per-minute stats rollup (DESIGN.md §13) of the minutes in `minutes` (Unix time / 60),
    /// one row per minute, task name and queue that saw something.
    func taskStats(minutes: Range<Int>) async throws -> [TaskStatsRow]
    /// The rows of `minutes` merged per task name (of one name and/or queue if given), by name.
    func taskStatsByName(minutes: Range<Int>, name: String?, queue: String?) async throws -> [TaskStatsSummary]
    /// The outcomes of `minutes` summed per `step` minutes from its start, of one task name
    /// and/or queue if given; points with nothing are left out.
    func taskThroughput(minutes: Range<Int>, step: Int, name: String?, queue: String?) async throws -> [ThroughputPoint]
    /// Throws if the storage cannot be read.
    func healthCheck() async throws
}

extension QueueAdminStore {
    /// How many jobs match `filter` (its limit and offset ignored), exactly.
    public func countJobs(_ filter: JobFilter) async throws -> Int {
        try await totalJobs(filter, limit: nil).count
    }

    /// How many jobs match `filter` in each state (its state, limit and offset ignored), exactly;
    /// states with none are absent.
    public func countJobsByState(_ filter: JobFilter) async throws -> [TaskState: Int] {
        var anyState = filter
        anyState.state = nil
        return try await countJobs(anyState, limit: nil).byState
    }
}

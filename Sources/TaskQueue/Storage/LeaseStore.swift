import Foundation

/// The worker's side of the queue: claim, progress, ack, fail, retry, release, and the
/// supervision of running jobs (lease renewal, hard time limits, revokes).
///
/// The lease holder's operations are synchronous: they run on a worker slot's own thread, which
/// may block, and so cost no thread hop. Supervision is async and never blocks a cooperative
/// thread. Lease-holder writes are fenced: a `Lease` whose token is not the job's current one
/// is refused with `QueueError.staleLease`.
public protocol LeaseStore: Sendable {
    var policy: StorePolicy { get }

    /// Claims the most urgent due job of `queues` (priority, then due time, then id), first
    /// giving lapsed leases back (or failing them with `WorkerLost` after `maxDeliveries`).
    /// Paused queues and jobs named in `excluding` (rate-limited task names) are skipped.
    func claim(queues: [String], excluding names: [String], worker: String) throws -> ClaimedJob?

    /// Records progress `meta` (state `PROGRESS`).
    func progress(_ lease: Lease, meta: JSONValue) throws

    /// Late ack: the body returned `result`. With `thenClaim`, the slot's next job is claimed
    /// from those queues in the same transaction (one commit per job instead of two); a
    /// refused ack claims nothing.
    func succeed(_ lease: Lease, result: JSONValue, thenClaim queues: [String]?, excluding names: [String], worker: String)
        throws -> ClaimedJob?

    /// When the earliest delayed job (ETA, countdown, retry) of `queues` becomes due; idle
    /// slots sleep until then.
    func nextDelayedRun(queues: [String], after now: Date) throws -> Date?

    /// `claim`, or when it finds nothing, `nextDelayedRun(queues:after: now)`: what an idle slot
    /// asks, in one round trip where the store is a server. Where it is two calls (the default),
    /// a failure of the second is no next run: the slot then sleeps `poll_interval` at most.
    func claimOrNextRun(queues: [String], excluding names: [String], worker: String, after now: Date) throws -> ClaimAttempt

    /// The job failed for good.
    func fail(_ lease: Lease, error: TaskErrorInfo) throws

    /// The attempt failed with a retryable error; the job waits in `RETRY` until `at`.
    func retry(_ lease: Lease, error: TaskErrorInfo, at: Date) throws

    /// Gives the job back without counting a lost delivery (shutdown).
    func release(_ lease: Lease) throws

    /// The body of a revoked job stopped: the job becomes `REVOKED`.
    func stopRevoked(_ lease: Lease) throws

    // MARK: Supervision

    /// Extends each lease by `visibilityTimeout` and reports whether a revoke was requested.
    func renew(_ leases: [Lease]) async throws -> [Lease: LeaseStatus]

    /// Fails a running job whose body outlived its hard time limit. Fenced like an ack, so the
    /// abandoned body's later writes are refused.
    func failAbandoned(_ lease: Lease, error: TaskErrorInfo) async throws

    /// Gives back jobs whose bodies were abandoned at shutdown.
    func releaseAbandoned(_ lease: Lease) async throws

    /// Which of `ids` have a revoke request (read by workers about their running jobs).
    func revokeRequested(among ids: [String]) async throws -> Set<String>
}

extension LeaseStore {
    /// Late ack without claiming a next job.
    public func succeed(_ lease: Lease, result: JSONValue) throws {
        _ = try succeed(lease, result: result, thenClaim: nil, excluding: [], worker: "")
    }

    public func succeed(_ lease: Lease, result: JSONValue, thenClaim queues: [String]?, worker: String) throws -> ClaimedJob? {
        try succeed(lease, result: result, thenClaim: queues, excluding: [], worker: worker)
    }

    public func claim(queues: [String], worker: String) throws -> ClaimedJob? {
        try claim(queues: queues, excluding: [], worker: worker)
    }

    /// Two calls: local stores answer both without a round trip.
    public func claimOrNextRun(queues: [String], excluding names: [String], worker: String, after now: Date) throws -> ClaimAttempt {
        if let job = try claim(queues: queues, excluding: names, worker: worker) { return .claimed(job) }
        return .idle(nextRun: (try? nextDelayedRun(queues: queues, after: now)) ?? nil)
    }

    /// Renews one lease.
    public func renew(_ lease: Lease) async throws -> LeaseStatus {
        try await renew([lease])[lease] ?? .lost
    }
}

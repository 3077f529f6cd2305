import Foundation

/// The policy every backend applies to leases, deliveries and result lifetimes (DESIGN.md §3, §8).
public struct StorePolicy: Sendable, Equatable {
    /// Seconds a claim holds a job before it may be delivered again.
    public var visibilityTimeout: TimeInterval = 30
    /// Claims whose lease lapsed before the job fails with `WorkerLost`.
    public var maxDeliveries: Int = 5
    /// Seconds `SUCCESS` and `REVOKED` results are kept.
    public var resultExpires: TimeInterval = 3600
    /// Seconds `FAILURE` jobs are kept as dead letters.
    public var failureRetention: TimeInterval = 604_800
    /// Largest accepted message (`name` + JSON `args` + JSON `kwargs`).
    public var maxPayloadBytes: Int = 1 << 20
    /// Seconds the per-minute task stats (`task_stats`) are kept.
    public var statsRetention: TimeInterval = 604_800
    /// How long an `Idempotency-Key` maps to its task id.
    public var idempotencyWindow: TimeInterval = 86_400

    public init() {}
}

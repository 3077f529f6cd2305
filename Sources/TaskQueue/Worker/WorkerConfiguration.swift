import Foundation

/// How a worker process runs its pools (DESIGN.md §2, §8): the one place where the worker's
/// settings and their defaults are declared (`AppConfig.worker` embeds it).
public struct WorkerConfiguration: Sendable, Equatable {
    /// `importer@<hostname>:<pid>` unless overridden.
    public var name: String
    public var pools: [WorkerInfo.Pool]
    /// Seconds between claims when idle, for jobs enqueued by other processes.
    public var pollInterval: TimeInterval = 0.1
    /// Seconds running jobs may finish after a warm shutdown starts.
    public var shutdownGrace: TimeInterval = 30
    /// Seconds between heartbeats in the workers table.
    public var heartbeatInterval: TimeInterval = 2
    /// Retry policy of tasks that define none.
    public var defaultRetry = RetryOptions()
    /// Seconds before a body is asked to stop (`SoftTimeLimitExceeded`), for tasks that set none.
    public var softTimeLimit: TimeInterval = 3300
    /// Seconds before a job fails with `TimeLimitExceeded` and its body is abandoned.
    public var timeLimit: TimeInterval = 3600
    /// Abandoned bodies still running beyond this count make the worker exit (to be restarted):
    /// a thread cannot be killed.
    public var maxRunawayTasks = 4
    /// Seconds between checks of the running jobs' revoke flags (a revoke is seen within this).
    public var revokePollInterval: TimeInterval = 0.25
    /// `rate_limits`: per task name, over the limits tasks set at registration.
    public var rateLimits: [String: RateLimit] = [:]

    public init(name: String = WorkerConfiguration.defaultName(), pools: [WorkerInfo.Pool] = WorkerConfiguration.defaultPools) {
        self.name = name
        self.pools = pools
    }

    /// `imports` × 1, `default` × 2 and `webhooks` × 4 (deliveries wait on receivers, not CPU).
    public static let defaultPools = [
        WorkerInfo.Pool(queues: ["imports"], concurrency: 1), WorkerInfo.Pool(queues: ["default"], concurrency: 2),
        WorkerInfo.Pool(queues: ["webhooks"], concurrency: 4),
    ]

    public static func defaultName() -> String {
        nodeName(hostname: ProcessInfo.processInfo.hostName)
    }

    /// `importer@<hostname>:<pid>`; a `--hostname` that already has an `@` is used as given.
    public static func nodeName(hostname: String) -> String {
        hostname.contains("@") ? hostname : "importer@\(hostname):\(ProcessInfo.processInfo.processIdentifier)"
    }

    /// Workers whose heartbeat is older than this are considered gone.
    public static func staleAfter(heartbeatInterval: TimeInterval) -> TimeInterval {
        max(10, heartbeatInterval * 5)
    }
}

import Foundation
import TaskQueue

/// Every setting of DESIGN.md §8 implemented so far, with its default. `ConfigLoader` fills it
/// from `config.json`, `IMPORTER_*` variables and flags, in that order.
public struct AppConfig: Sendable, Equatable {
    public enum LogFormat: String, Sendable, CaseIterable { case text, json }
    public enum LogLevel: String, Sendable, CaseIterable { case trace, debug, info, notice, warning, error, critical }

    public var dataDir = "./data"
    public var host = "127.0.0.1"
    public var port = 8000
    /// Bearer token for mutating routes (and all routes with `authRead`).
    public var authToken: String?
    public var authRead = false
    public var maxBodyBytes = 1 << 20
    public var maxUploadBytes = 1 << 30
    public var logLevel = LogLevel.info
    public var logFormat = LogFormat.text
    public var synchronous = SQLiteOptions.Synchronous.normal
    public var workerPools = WorkerConfiguration.defaultPools
    /// Slots of the pool serving `default`; nil keeps `worker_pools` as written.
    public var concurrency: Int?
    public var taskRoutes: [String: String] = ["app.tasks.product_tasks.process_csv_import": "imports"]
    public var visibilityTimeout: TimeInterval = 30
    public var maxDeliveries = 5
    public var pollInterval: TimeInterval = 0.1
    public var maxRetries = 3
    public var retryDelay: TimeInterval = 300
    public var retryBackoff = false
    public var retryJitter = true
    public var resultExpires: TimeInterval = 3600
    public var failureRetention: TimeInterval = 604_800
    public var shutdownGrace: TimeInterval = 30
    public var softTimeLimit: TimeInterval = 3300
    public var timeLimit: TimeInterval = 3600
    public var maxRunawayTasks = 4
    public var maxPayloadBytes = 1 << 20
    public var enableTestTasks = false
    public var csvMaxFieldBytes = 1 << 20
    /// Rows per committed import batch: large enough to amortize a transaction, small enough
    /// for bounded memory (~20k rows ≈ a few MB).
    public var importBatchRows = 20_000
    public var importRetention: TimeInterval = 604_800
    public var keepUploads = false
    /// Starts per second/minute/hour by task name, in each process (`"N/s"`, `"N/m"`, `"N/h"`).
    public var rateLimits: [String: RateLimit] = [:]
    /// Periodic tasks (DESIGN.md §4), added to the built-in ones.
    public var schedules: [ScheduleConfig] = []
    /// Changes to the built-in schedules, by name.
    public var builtinSchedules: [String: ScheduleConfig] = [:]

    public init() {}

    public var queueDatabasePath: String { (dataDir as NSString).appendingPathComponent("queue.sqlite") }
    public var catalogDatabasePath: String { (dataDir as NSString).appendingPathComponent("catalog.sqlite") }
    /// Whether `host` only listens on this machine.
    public var isLoopbackHost: Bool {
        ["127.0.0.1", "localhost", "::1", "[::1]"].contains(host) || host.hasPrefix("127.")
    }

    public var uploadsDirectory: String { (dataDir as NSString).appendingPathComponent("uploads") }

    /// The pools a `serve`/`worker` process runs: `--queues a,b` runs exactly one pool of
    /// `concurrency` slots; otherwise `worker_pools`, with `concurrency` resizing the pool that
    /// serves `default`.
    public func pools(queues: [String]? = nil) -> [WorkerInfo.Pool] {
        if let queues, !queues.isEmpty {
            return [WorkerInfo.Pool(queues: queues, concurrency: concurrency ?? 2)]
        }
        guard let concurrency else { return workerPools }
        return workerPools.map { pool in
            var pool = pool
            if pool.queues.contains("default") { pool.concurrency = concurrency }
            return pool
        }
    }

    /// Seconds between worker heartbeats: at most 2, and a third of the visibility timeout.
    public var heartbeatInterval: TimeInterval { min(2, visibilityTimeout / 3) }

    public var storePolicy: StorePolicy {
        var policy = StorePolicy()
        policy.visibilityTimeout = visibilityTimeout
        policy.maxDeliveries = maxDeliveries
        policy.resultExpires = resultExpires
        policy.failureRetention = failureRetention
        policy.maxPayloadBytes = maxPayloadBytes
        return policy
    }

    public var retryOptions: RetryOptions {
        RetryOptions(maxRetries: maxRetries, delay: retryDelay, backoff: retryBackoff, jitter: retryJitter)
    }
}

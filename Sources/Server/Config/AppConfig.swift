import Catalog
import Foundation
import PostgresSupport
import SQLiteSupport
import TaskQueue

/// Every setting of DESIGN.md §8 implemented so far. Each owner's settings are its own
/// `Sendable` struct with all-default inits — the queue's policy, the worker's configuration,
/// the catalogue's, the HTTP listener's — so each default is declared once, where it is used.
/// `ConfigLoader` fills it from `config.json`, `IMPORTER_*` variables and flags, in that order.
public struct AppConfig: Sendable, Equatable {
    public enum LogFormat: String, Sendable, CaseIterable { case text, json }
    public enum LogLevel: String, Sendable, CaseIterable { case trace, debug, info, notice, warning, error, critical }

    public var dataDir = "./data"
    /// The queue's PostgreSQL server (DESIGN.md §14); nil keeps SQLite in `dataDir`.
    public var databaseURL: PostgresURL?
    public var logLevel = LogLevel.info
    public var logFormat = LogFormat.text
    public var synchronous = SQLiteOptions.Synchronous.normal
    /// Leases, deliveries, result lifetimes, payload size: `visibility_timeout`, `max_deliveries`,
    /// `result_expires`, `failure_retention`, `stats_retention`, `max_payload_bytes`.
    public var queue = StorePolicy()
    /// Pools, polling, shutdown, retries, time limits, rate limits: `worker_pools`,
    /// `poll_interval`, `shutdown_grace`, `max_retries`…, `soft_time_limit`, `time_limit`,
    /// `max_runaway_tasks`, `rate_limits`. Its name is set per process (`--hostname`).
    public var worker = WorkerConfiguration()
    /// Slots of the pool serving `default`; nil keeps `worker_pools` as written.
    public var concurrency: Int?
    public var taskRoutes: [String: String] = ["app.tasks.product_tasks.process_csv_import": "imports"]
    /// Imports and their retention: `csv_max_field_bytes`, `import_batch_rows`,
    /// `import_retention`, `keep_uploads`.
    public var catalog = CatalogConfiguration()
    /// `host`, `port`, `auth_token`, `auth_read`, `max_body_bytes`, `max_upload_bytes`, `ui`.
    public var http = HTTPConfiguration()
    public var enableTestTasks = false
    /// Periodic tasks (DESIGN.md §4), added to the built-in ones.
    public var schedules: [ScheduleConfig] = []
    /// Changes to the built-in schedules, by name.
    public var builtinSchedules: [String: ScheduleConfig] = [:]

    public init() {}

    /// Where the queue lives, as `inspect stats` reports it (never the password).
    public var brokerDescription: JSONValue {
        guard let url = databaseURL else { return ["transport": "sqlite", "path": .string(queueDatabasePath)] }
        return [
            "transport": "postgresql", "host": .string(url.host), "port": .int(Int64(url.port)), "database": .string(url.database),
            "schema": .string(url.schema),
        ]
    }

    public var queueDatabasePath: String { (dataDir as NSString).appendingPathComponent("queue.sqlite") }
    public var catalogDatabasePath: String { (dataDir as NSString).appendingPathComponent("catalog.sqlite") }
    public var uploadsDirectory: String { (dataDir as NSString).appendingPathComponent("uploads") }

    /// Asks the filesystem whether the data directory, its databases and uploads can be written.
    public var storageProbe: StorageProbe {
        StorageProbe(databases: [queueDatabasePath, catalogDatabasePath], others: [uploadsDirectory])
    }

    /// The pools a `serve`/`worker` process runs: `--queues a,b` runs exactly one pool of
    /// `concurrency` slots; otherwise `worker_pools`, with `concurrency` resizing the pool that
    /// serves `default`.
    public func pools(queues: [String]? = nil) -> [WorkerInfo.Pool] {
        if let queues, !queues.isEmpty {
            return [WorkerInfo.Pool(queues: queues, concurrency: concurrency ?? 2)]
        }
        guard let concurrency else { return worker.pools }
        return worker.pools.map { pool in
            var pool = pool
            if pool.queues.contains("default") { pool.concurrency = concurrency }
            return pool
        }
    }

    /// Seconds between worker heartbeats: at most 2, and a third of the visibility timeout.
    public var heartbeatInterval: TimeInterval { min(2, queue.visibilityTimeout / 3) }
}

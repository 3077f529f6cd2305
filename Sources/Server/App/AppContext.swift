import Catalog
import Foundation
import Logging
import TaskQueue

/// The opened appliance: configuration, queue storage, the task registry and a client.
/// Built the same way by the CLI and by tests.
public struct AppContext: Sendable {
    public let config: AppConfig
    public let store: SQLiteQueueStore
    public let client: QueueClient
    public let catalog: CatalogContext
    /// The built-in and configured schedules (DESIGN.md §4), checked against the registry.
    public let schedules: [ScheduleDefinition]

    /// Opens (creating and migrating) the data directory's databases. `readOnly` opens existing
    /// databases without creating, locking or migrating anything (for reads from a data
    /// directory that cannot take writes); every write then fails with `SQLITE_READONLY`.
    public static func open(config: AppConfig, readOnly: Bool = false) throws -> AppContext {
        if !readOnly {
            try createDirectory(config.dataDir)
            try createDirectory(config.uploadsDirectory)
        }
        let options = SQLiteOptions(synchronous: config.synchronous, readOnly: readOnly)
        let store = try SQLiteQueueStore(path: config.queueDatabasePath, options: options, policy: config.storePolicy)
        let catalog = CatalogContext(
            database: try CatalogDatabase(path: config.catalogDatabasePath, options: options),
            uploadsDirectory: config.uploadsDirectory,
            importDefaults: ImportOptions(batchRows: config.importBatchRows, maxFieldBytes: config.csvMaxFieldBytes),
            importRetention: config.importRetention, keepUploads: config.keepUploads)
        let client = QueueClient(
            store: store, registry: registry(config, catalog: catalog, store: store), routes: config.taskRoutes)
        let schedules = try BuiltinSchedules.definitions(
            builtins: config.builtinSchedules, schedules: config.schedules, client: client)
        return AppContext(config: config, store: store, client: client, catalog: catalog, schedules: schedules)
    }

    /// Every task this configuration registers: the product tasks, the result-expiry sweep, and
    /// the test tasks when enabled.
    public static func registry(_ config: AppConfig, catalog: CatalogContext, store: any QueueStore) -> TaskRegistry {
        var registry = TaskRegistry()
        ProductTasks.register(into: &registry, catalog: catalog)
        ResultExpiryTask.register(into: &registry, store: store)
        if config.enableTestTasks { TestTasks.register(into: &registry) }
        return registry
    }

    /// The process's worker, running `pools` (default: the configured ones).
    public func makeWorker(name: String? = nil, queues: [String]? = nil, logger: Logger) -> Worker {
        var configuration = WorkerConfiguration(
            name: name.map { WorkerConfiguration.nodeName(hostname: $0) } ?? WorkerConfiguration.defaultName(),
            pools: config.pools(queues: queues))
        configuration.pollInterval = config.pollInterval
        configuration.shutdownGrace = config.shutdownGrace
        configuration.defaultRetry = config.retryOptions
        configuration.heartbeatInterval = config.heartbeatInterval
        configuration.softTimeLimit = config.softTimeLimit
        configuration.timeLimit = config.timeLimit
        configuration.maxRunawayTasks = config.maxRunawayTasks
        configuration.rateLimits = config.rateLimits
        return Worker(configuration: configuration, client: client, logger: logger)
    }

    /// The process's beat (periodic scheduler) over the configured schedules.
    public func makeBeat(logger: Logger) -> Beat {
        Beat(definitions: schedules, store: store, doorbell: client.doorbell, clock: client.clock, logger: logger)
    }

    /// The inspect views over this appliance's queue: workers count as live while their heartbeat
    /// is fresher than `WorkerConfiguration.staleAfter`.
    public func makeInspector() -> Inspector {
        Inspector(
            store: store, registry: client.registry, brokerPath: config.queueDatabasePath,
            staleAfter: WorkerConfiguration.staleAfter(heartbeatInterval: config.heartbeatInterval))
    }

    /// Asks the filesystem whether the data directory can be written.
    public var storageProbe: StorageProbe { StorageProbe(config: config) }

    private static func createDirectory(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw QueueError.storage("cannot create directory \(path): \(error.localizedDescription)")
        }
    }
}

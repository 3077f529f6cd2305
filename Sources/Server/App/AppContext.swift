import Catalog
import Foundation
import Logging
import PostgresSupport
import SQLiteSupport
import ServiceLifecycle
import TaskQueue

/// The opened appliance: configuration, the queue's and the catalogue's stores, the task
/// registry and a client. `Appliance.build` makes it for every command and for the tests.
public struct AppContext: Sendable {
    public let config: AppConfig
    public let store: any QueueStore
    public let client: QueueClient
    public let catalog: CatalogContext
    /// The built-in and configured schedules (DESIGN.md §4), checked against the registry.
    public let schedules: [ScheduleDefinition]
    /// What the storage runs in the background while the process serves (the SQLite WAL
    /// checkpointers); none when opened read-only.
    public let storageServices: [any Service]
    /// Asks the filesystem whether the data directory can be written.
    public let storageProbe: StorageProbe
    /// The databases `importer backup` copies, by file name.
    let backups: [(file: String, source: any OnlineBackup)]

    /// Opens (creating and migrating) the data directory's databases. `readOnly` opens existing
    /// databases without creating, locking or migrating anything (for reads from a data
    /// directory that cannot take writes); every write then fails as `storage_read_only`.
    static func open(config: AppConfig, readOnly: Bool = false, webhookTransport: (any WebhookTransport)? = nil) throws -> AppContext {
        if !readOnly {
            try createDirectory(config.dataDir)
            try createDirectory(config.uploadsDirectory)
        }
        let options = SQLiteOptions(synchronous: config.synchronous, readOnly: readOnly)
        let probe = config.storageProbe
        let backend = try openQueue(config, options: options, probe: probe)
        let queue = backend.store
        let catalogBackend = try openCatalog(config, pool: backend.pool, options: options, probe: probe)
        let catalog = CatalogContext(
            store: catalogBackend.store, uploadsDirectory: config.uploadsDirectory, scratchDirectory: config.dataDir,
            configuration: config.catalog,
            webhookTransport: webhookTransport ?? HTTPWebhookTransport(blockPrivate: config.catalog.webhooks.blockPrivate))
        let client = QueueClient(
            store: queue, registry: registry(config, catalog: catalog, store: queue), routes: config.taskRoutes,
            doorbell: backend.doorbell, clock: backend.clock)
        let schedules = try BuiltinSchedules.definitions(builtins: config.builtinSchedules, schedules: config.schedules, client: client)
        return AppContext(
            config: config, store: queue, client: client, catalog: catalog, schedules: schedules,
            storageServices: backend.services + catalogBackend.services, storageProbe: probe,
            backups: (backend.backup.map { [("queue.sqlite", $0)] } ?? []) + (catalogBackend.backup.map { [("catalog.sqlite", $0)] } ?? []))
    }

    /// The opened queue and what comes with it.
    private struct QueueBackend {
        var store: any QueueStore
        /// Run while the process serves: SQLite's WAL checkpointer; PostgreSQL's LISTEN
        /// connection and clock offset.
        var services: [any Service]
        var backup: (any OnlineBackup)?
        var doorbell = Doorbell()
        var clock: any WallClock = SystemClock()
        /// The connections to PostgreSQL, shared with the catalogue.
        var pool: PostgresPool?
    }

    /// The queue: on PostgreSQL with `database_url` (its clock offset measured first, its
    /// wake-ups ringing this process's doorbell), else `queue.sqlite` in the data directory.
    private static func openQueue(_ config: AppConfig, options: SQLiteOptions, probe: StorageProbe) throws -> QueueBackend {
        guard let url = config.databaseURL else {
            let queue = try SQLiteQueueStore(path: config.queueDatabasePath, options: options, policy: config.queue, probe: probe)
            return QueueBackend(store: queue, services: [queue.checkpointer].compactMap { $0 }, backup: queue)
        }
        let pool: PostgresPool
        do { pool = try PostgresPool(url: url) } catch { throw QueueError.storage("database_url: \(error)") }
        let logger = Logger(label: "importer.postgres")
        let clock = PostgresServerClock(pool: pool, logger: logger)
        do { try clock.measure() } catch { throw PostgresQueueStore.queueError(error) }
        let store = try PostgresQueueStore(pool: pool, policy: config.queue, clock: clock)
        let doorbell = Doorbell()
        var services: [any Service] = [clock]
        if url.listen { services.append(PostgresWakeups(pool: pool, doorbell: doorbell, logger: logger)) }
        return QueueBackend(store: store, services: services, doorbell: doorbell, clock: clock, pool: pool)
    }

    /// The catalogue: on the queue's PostgreSQL pool with `database_url`, else `catalog.sqlite`
    /// in the data directory (with its checkpointer, and its online backup).
    private static func openCatalog(_ config: AppConfig, pool: PostgresPool?, options: SQLiteOptions, probe: StorageProbe) throws
        -> (store: any CatalogStore, services: [any Service], backup: (any OnlineBackup)?)
    {
        if let pool { return (try PostgresCatalogStore(pool: pool), [], nil) }
        let store = try SQLiteCatalogStore(path: config.catalogDatabasePath, options: options, probe: probe)
        return (store, [store.checkpointer].compactMap { $0 }, store)
    }

    /// Every task this configuration registers: the product tasks, the result-expiry sweep, and
    /// the test tasks when enabled.
    public static func registry(_ config: AppConfig, catalog: CatalogContext, store: any QueueStore) -> TaskRegistry {
        var registry = TaskRegistry()
        ProductTasks.register(into: &registry, catalog: catalog)
        WebhookTasks.register(into: &registry, catalog: catalog)
        ResultExpiryTask.register(into: &registry, store: store)
        if config.enableTestTasks { TestTasks.register(into: &registry) }
        return registry
    }

    /// The process's worker, running `queues` as one pool or else the configured pools, named
    /// after `hostname` when given.
    public func makeWorker(hostname: String? = nil, queues: [String]? = nil, logger: Logger) -> Worker {
        var configuration = config.worker
        configuration.name = hostname.map { WorkerConfiguration.nodeName(hostname: $0) } ?? WorkerConfiguration.defaultName()
        configuration.pools = config.pools(queues: queues)
        configuration.heartbeatInterval = config.heartbeatInterval
        return Worker(configuration: configuration, client: client, logger: logger)
    }

    /// The process's beat (periodic scheduler) over the configured schedules.
    public func makeBeat(logger: Logger) -> Beat {
        Beat(definitions: schedules, store: store, doorbell: client.doorbell, clock: client.clock, logger: logger)
    }

    /// Revokes a task (`QueueAdminStore.revoke`). A task revoked while it waited never runs, so
    /// an import it would have run is marked revoked here: its record, event stream and status
    /// end as a started import's revocation does. Nil when the task is unknown.
    public func revoke(taskID: String) async throws -> TaskState? {
        let state = try await store.revoke(id: taskID)
        if state == .revoked { _ = try await catalog.store.revokeUnstartedImport(taskID: taskID) }
        return state
    }

    /// The inspect views over this appliance's queue: workers count as live while their heartbeat
    /// is fresher than `WorkerConfiguration.staleAfter`.
    public func makeInspector() -> Inspector {
        Inspector(
            store: store, registry: client.registry, broker: config.brokerDescription,
            staleAfter: WorkerConfiguration.staleAfter(heartbeatInterval: config.heartbeatInterval))
    }

    /// Copies every database into `directory` while the appliance runs (SQLite's online backup
    /// from one read snapshot each), each checked; returns the files and their sizes.
    public func backup(to directory: String) throws -> [(path: String, bytes: Int)] {
        try Self.createDirectory(directory)
        return try backups.map { file, source in
            let path = (directory as NSString).appendingPathComponent(file)
            return (path, try source.backup(to: path))
        }
    }

    private static func createDirectory(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw QueueError.storage("cannot create directory \(path): \(error.localizedDescription)")
        }
    }
}

import Catalog
import Foundation
import Logging
import ServiceLifecycle
import TaskQueue

/// What one process of the appliance plays (DESIGN.md §2).
public struct ProcessRoles: Sendable, Equatable {
    /// The HTTP API.
    public var http: Bool
    /// The worker with its pools of slots.
    public var workers: Bool
    /// The periodic scheduler.
    public var beat: Bool
    /// `--queues`: one pool serving these queues instead of `worker_pools`.
    public var queues: [String]?
    /// `--hostname`: the worker's node name is `importer@<hostname>:<pid>`.
    public var hostname: String?

    public init(http: Bool = false, workers: Bool = false, beat: Bool = false, queues: [String]? = nil, hostname: String? = nil) {
        self.http = http
        self.workers = workers
        self.beat = beat
        self.queues = queues
        self.hostname = hostname
    }

    /// `importer serve`: everything in one process.
    public static let serve = ProcessRoles(http: true, workers: true, beat: true)
    /// A command that reads or submits and runs no service (`call`, `inspect`, `import`…).
    public static let command = ProcessRoles()
}

/// The one way the appliance is put together, for every command and for the tests: it opens
/// the storage, registers the tasks, and makes the services this process runs, in dependency
/// order. A `ServiceGroup` starts them in that order and shuts them down in reverse.
public struct Appliance: Sendable {
    public let context: AppContext
    public let worker: Worker?
    public let beat: Beat?
    /// The HTTP API's routes (also when the process only tests them, without a socket).
    public let api: APIService?
    /// Storage first (the WAL checkpointers: they stop last, after the workers' final writes),
    /// then the worker and the webhook relay, beat, and the HTTP server last (it stops taking
    /// requests first).
    public let services: [any Service]

    /// Opens the data directory of `config` for `roles`. `readOnly` opens existing databases
    /// without writing anything (`inspect` and `backup` on a disk that cannot take writes):
    /// such a process runs no service. `webhookTransport` replaces the HTTP client (tests).
    public static func build(
        config: AppConfig, roles: ProcessRoles, readOnly: Bool = false, logger: Logger,
        webhookTransport: (any WebhookTransport)? = nil
    ) throws -> Appliance {
        let context = try AppContext.open(config: config, readOnly: readOnly, webhookTransport: webhookTransport)
        if roles != .command, let size = (context.catalog.store as? SQLiteCatalogStore)?.pagesToRebuild() {
            logger.warning(
                "catalog_pages_old",
                metadata: [
                    "page_size": "\(size)",
                    "advice": "stop the appliance and run `importer migrate`: it rebuilds the catalogue on 4 KiB pages, on which short writes are faster (docs/deploy.md)",
                ])
        }
        let worker = roles.workers ? context.makeWorker(hostname: roles.hostname, queues: roles.queues, logger: logger) : nil
        let beat = roles.beat ? context.makeBeat(logger: logger) : nil
        let api = roles.http ? APIService(context: context, beat: beat) : nil
        var services: [any Service] = roles == .command ? [] : context.storageServices
        if let worker {
            services.append(worker)
            // Where workers run, the outbox's events are handed to the queue.
            services.append(WebhookRelay(store: context.catalog.store, client: context.client, logger: logger))
        }
        if let beat { services.append(beat) }
        if let api { services.append(try APIServer.make(api, logger: logger)) }
        return Appliance(context: context, worker: worker, beat: beat, api: api, services: services)
    }

    /// A service group over `services`, shut down by `triggerGracefulShutdown()` or by
    /// cancelling its `run()` (the executable maps its signals to these).
    ///
    /// A worker stopped by an operator (`POST /api/v1/workers/{name}/stop`) ends on its own: a
    /// process that serves HTTP keeps serving (the UI stays reachable), any other process then
    /// shuts down gracefully and exits 0, as a Celery worker does after `shutdown`.
    public func serviceGroup(logger: Logger) -> ServiceGroup {
        let configurations = services.map { service in
            guard let worker, service as AnyObject === worker else { return ServiceGroupConfiguration.ServiceConfiguration(service: service) }
            return ServiceGroupConfiguration.ServiceConfiguration(
                service: service, successTerminationBehavior: api == nil ? .gracefullyShutdownGroup : .ignore)
        }
        return ServiceGroup(configuration: ServiceGroupConfiguration(services: configurations, logger: logger))
    }
}

import Foundation
import HTTPTypes
import Hummingbird
import Logging
import TaskQueue

/// The HTTP API's routes and what they need: the opened appliance, inspect views, the cache
/// of finished task answers and the metrics registry.
public struct APIService: Sendable {
    let context: AppContext
    let inspector: Inspector
    let statusCache = FinalStatusCache()
    /// The stats routes' sums of minutes that are over.
    let statsWindows = StatsWindowCache()
    let metrics: AppMetrics
    let startedAt = Date()
    /// This process's beat, told at once when the API changes a schedule.
    let beat: Beat?

    public init(context: AppContext, beat: Beat? = nil, metrics: AppMetrics = .shared) {
        self.context = context
        self.beat = beat
        self.metrics = metrics
        self.inspector = context.makeInspector()
    }

    var store: any QueueStore { context.store }

    /// Every route the server answers; `/openapi.json` documents exactly these.
    public var routes: [Route] {
        systemRoutes + celeryRoutes + taskRoutes + taskBulkRoutes + workerRoutes + statsRoutes + queueRoutes + scheduleRoutes + ProductsController(context: context).routes
            + uploadRoutes + importRoutes + WebhooksController(context: context).routes
    }

    var authPolicy: AuthPolicy { AuthPolicy(token: context.config.http.authToken, protectReads: context.config.http.authRead) }

    public func responder(logger: Logger) -> APIResponder {
        APIResponder(
            routes: routes, auth: authPolicy,
            maxBodyBytes: context.config.http.maxBodyBytes, ui: context.config.http.ui, logger: logger)
    }

    /// A job by id, or 404 saying it expired or never existed (never a fake PENDING).
    func job(_ id: String) async throws -> JobRecord {
        guard JobID.isValid(id) else { throw APIError.notFound("no task with id '\(id)': task ids are UUIDs") }
        guard case .found(let job) = try await store.job(id: id) else {
            throw APIError.notFound("task \(id) not found: it never existed or its result expired")
        }
        return job
    }

    func now() -> Date { context.client.clock.now() }
}

import Foundation
import Hummingbird
import TaskQueue

/// Queues: counts per queue, purge.
extension APIService {
    var queueRoutes: [Route] {
        [
            Route(.get, "/api/v1/queues") { _ in
                let items = try await store.queueStats().map(Self.json)
                return JSONResponse.make(.ok, body: TaskJSON.list(items, total: items.count, limit: max(items.count, 1), offset: 0))
            },
            Route(.post, "/api/v1/queues/{name}/pause") { request in try await setPaused(request.parameter("name"), true) },
            Route(.post, "/api/v1/queues/{name}/resume") { request in try await setPaused(request.parameter("name"), false) },
            Route(.post, "/api/v1/queues/{name}/purge") { request in
                let name = request.parameter("name")
                let purged = try await store.purge(queue: name)
                return JSONResponse.make(.ok, body: ["queue": .string(name), "purged": .int(Int64(purged))])
            },
        ]
    }

    /// Pausing stops claims from the queue (its running jobs finish); persisted.
    private func setPaused(_ name: String, _ paused: Bool) async throws -> Response {
        try await store.setPaused(queue: name, paused: paused)
        if !paused { context.client.doorbell.ring() }
        let stats = try await store.queueStats().first { $0.name == name } ?? QueueStats(name: name)
        return JSONResponse.make(.ok, body: Self.json(stats))
    }

    public static func json(_ stats: QueueStats) -> JSONValue {
        [
            "name": .string(stats.name), "waiting": .int(Int64(stats.waiting)), "delayed": .int(Int64(stats.delayed)),
            "running": .int(Int64(stats.running)), "retrying": .int(Int64(stats.retrying)),
            "failed": .int(Int64(stats.failed)), "paused": .bool(stats.paused),
            "oldest_waiting_age": stats.oldestWaitingAge.map { .double(($0 * 1000).rounded() / 1000) } ?? .null,
        ]
    }
}

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
            Route(.post, "/api/v1/queues/{name}/purge") { request in
                let name = request.parameter("name")
                let purged = try await store.purge(queue: name)
                return JSONResponse.make(.ok, body: ["queue": .string(name), "purged": .int(Int64(purged))])
            },
        ]
    }

    static func json(_ stats: QueueStats) -> JSONValue {
        [
            "name": .string(stats.name), "waiting": .int(Int64(stats.waiting)), "delayed": .int(Int64(stats.delayed)),
            "running": .int(Int64(stats.running)), "retrying": .int(Int64(stats.retrying)),
            "failed": .int(Int64(stats.failed)),
            "oldest_waiting_age": stats.oldestWaitingAge.map { .double(($0 * 1000).rounded() / 1000) } ?? .null,
        ]
    }
}

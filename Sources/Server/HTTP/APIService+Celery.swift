import Catalog
import Foundation
import Hummingbird
import TaskQueue

/// The seed application's Celery endpoints, with the seed's paths, fields and status codes.
extension APIService {
    var celeryRoutes: [Route] {
        [
            Route(.get, "/api/v1/celery/workers") { _ in try await workers() },
            Route(.post, "/api/v1/celery/test") { _ in try await submitTestTask() },
            Route(.get, "/api/v1/celery/task/{task_id}") { request in try await celeryStatus(request.parameter("task_id")) },
            Route(.delete, "/api/v1/celery/task/{task_id}") { request in try await celeryRevoke(request.parameter("task_id")) },
        ]
    }

    private func workers() async throws -> Response {
        let live = try await inspector.liveWorkers()
        let registered = Set(live.flatMap(\.registered)).union(live.isEmpty ? context.client.registry.names : [])
        let body: JSONValue = [
            "status": "success",
            "workers": [
                "active": try await inspector.active(),
                "stats": try await inspector.stats(),
                "registered_tasks": .array(registered.sorted().map { .string($0) }),
            ],
        ]
        return JSONResponse.make(.ok, body: body)
    }

    private func submitTestTask() async throws -> Response {
        let submitted = try await context.client.submit(TaskSubmission(name: ProductTasks.testTask))
        return JSONResponse.make(
            .ok,
            body: [
                "task_id": .string(submitted.id), "status": "submitted",
                "message": "Test task has been submitted to the worker",
            ])
    }

    /// Finished tasks are answered from the cache of encoded answers: clients poll this.
    private func celeryStatus(_ id: String) async throws -> Response {
        let now = now()
        if let cached = statusCache.body(for: id, now: now) { return JSONResponse.make(.ok, bytes: cached) }
        let job = try await job(id)
        let body = TaskJSON.celeryStatus(job, now: now).jsonData
        if job.state.isFinal, let expires = job.expiresAt { statusCache.store(body, for: id, expiresAt: expires) }
        return JSONResponse.make(.ok, bytes: body)
    }

    private func celeryRevoke(_ id: String) async throws -> Response {
        let before = try await job(id)
        if before.state.isFinal {
            return JSONResponse.make(
                .ok,
                body: [
                    "status": "noop", "task_id": .string(id), "state": .string(before.state.rawValue),
                    "message": .string("Task \(id) already finished (\(before.state.rawValue)): nothing to revoke"),
                ])
        }
        guard let state = try await context.revoke(taskID: id) else { throw APIError.notFound("task \(id) not found") }
        return JSONResponse.make(
            .ok,
            body: [
                "status": "success", "task_id": .string(id), "state": .string(state.rawValue),
                "message": .string("Task \(id) has been revoked"),
            ])
    }
}

import Foundation
import Hummingbird
import TaskQueue

/// Workers (DESIGN.md §13): the heartbeat rows with their running tasks, and the operators'
/// quiet / resume / stop requests, which the worker in whichever process obeys within 1 s.
extension APIService {
    var workerRoutes: [Route] {
        [
            Route(.get, "/api/v1/workers") { _ in
                let items = try await workerItems()
                return JSONResponse.make(.ok, body: TaskJSON.list(items.map(\.json), total: items.count, limit: max(items.count, 1), offset: 0))
            },
            Route(.post, "/api/v1/workers/{name}/quiet") { request in try await control(request.parameter("name"), .quiet) },
            Route(.post, "/api/v1/workers/{name}/resume") { request in try await control(request.parameter("name"), nil) },
            Route(.post, "/api/v1/workers/{name}/stop") { request in try await control(request.parameter("name"), .stop) },
        ]
    }

    private struct WorkerItem {
        var name: String
        var json: JSONValue
    }

    /// Every worker heard from in the last day, online ones first within name order.
    private func workerItems() async throws -> [WorkerItem] {
        let now = now()
        let workers = try await store.workers(seenWithin: WorkerInfo.forgottenAfter)
        let controls = try await store.workerControls()
        let running = Dictionary(grouping: try await store.running(), by: { $0.worker ?? "" })
        return workers.map { worker in
            WorkerItem(
                name: worker.name,
                json: Self.json(
                    worker, online: isOnline(worker, at: now), control: controls[worker.name],
                    running: running[worker.name] ?? [], now: now))
        }
    }

    /// Whether the worker's last heartbeat is fresher than the inspect views' `staleAfter`.
    func isOnline(_ worker: WorkerInfo, at now: Date) -> Bool {
        now.timeIntervalSince(worker.lastSeen) <= inspector.staleAfter
    }

    private func control(_ name: String, _ control: WorkerControl?) async throws -> Response {
        guard try await store.workers(seenWithin: WorkerInfo.forgottenAfter).contains(where: { $0.name == name }) else {
            throw APIError.notFound("no worker named '\(name)' has sent a heartbeat in the last day")
        }
        let inForce = try await store.setControl(control, worker: name)
        if inForce == .stop, control != .stop {
            throw APIError.conflict("worker '\(name)' is stopping: a stop cannot be undone (start the process again)")
        }
        guard let item = try await workerItems().first(where: { $0.name == name }) else {
            throw APIError.notFound("worker '\(name)' went away")
        }
        return JSONResponse.make(.ok, body: item.json)
    }

    static func json(_ worker: WorkerInfo, online: Bool, control: WorkerControl?, running: [JobRecord], now: Date) -> JSONValue {
        let round = { (seconds: Double) in JSONValue.double((seconds * 1000).rounded() / 1000) }
        let counts = { (counts: [String: Int]) in JSONValue.object(counts.mapValues { .int(Int64($0)) }) }
        return [
            "name": .string(worker.name), "host": .string(worker.host), "pid": .int(Int64(worker.pid)),
            "status": online ? "online" : "stale", "control": control.map { .string($0.rawValue) } ?? .null,
            "started_at": TaskJSON.time(worker.startedAt), "last_heartbeat": TaskJSON.time(worker.lastSeen),
            "heartbeat_age_seconds": round(max(0, now.timeIntervalSince(worker.lastSeen))),
            "pools": .array(
                worker.pools.map { ["queues": .array($0.queues.map { .string($0) }), "concurrency": .int(Int64($0.concurrency))] }),
            "concurrency": .int(Int64(worker.pools.reduce(0) { $0 + $1.concurrency })),
            "active": .array(
                running.map { job in
                    [
                        "task_id": .string(job.id), "name": .string(job.name), "queue": .string(job.queue),
                        "started_at": TaskJSON.time(job.startedAt),
                        "runtime_seconds": job.startedAt.map { round(max(0, now.timeIntervalSince($0))) } ?? .null,
                        "progress": job.state == .progress ? job.meta ?? .null : .null,
                    ]
                }),
            "processed": .int(Int64(worker.processed.values.reduce(0, +))), "failed": .int(Int64(worker.failed.values.reduce(0, +))),
            "processed_by_task": counts(worker.processed), "failed_by_task": counts(worker.failed),
            "registered": .array(worker.registered.map { .string($0) }),
        ]
    }
}

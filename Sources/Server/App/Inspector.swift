import Foundation
import TaskQueue

/// Celery's `inspect` views, read from the queue database: they work with no server running
/// and see every process sharing the data directory. Shapes follow Celery's (DESIGN.md §6).
public struct Inspector: Sendable {
    public enum View: String, Sendable, CaseIterable {
        case active, reserved, scheduled, registered, stats, ping
    }

    let store: any QueueAdminStore & WorkerRegistryStore
    let registry: TaskRegistry
    /// Where the queue lives, as `stats` reports it (`AppConfig.brokerDescription`).
    let broker: JSONValue
    let staleAfter: TimeInterval
    let clock: any WallClock

    public init(
        store: any QueueAdminStore & WorkerRegistryStore, registry: TaskRegistry, broker: JSONValue, staleAfter: TimeInterval = 10,
        clock: any WallClock = SystemClock()
    ) {
        self.store = store
        self.registry = registry
        self.broker = broker
        self.staleAfter = staleAfter
        self.clock = clock
    }

    public func view(_ view: View) async throws -> JSONValue {
        switch view {
        case .active: return try await active()
        case .reserved: return try await reserved()
        case .scheduled: return try await scheduled()
        case .registered: return try await registered()
        case .stats: return try await stats()
        case .ping: return try await ping()
        }
    }

    public func liveWorkers() async throws -> [WorkerInfo] {
        try await store.workers(seenWithin: staleAfter)
    }

    /// Running jobs by worker: `{worker: [{id, name, args, kwargs, time_start, worker_pid}]}`.
    public func active() async throws -> JSONValue {
        let workers = try await liveWorkers()
        var byWorker: [String: [JSONValue]] = Dictionary(uniqueKeysWithValues: workers.map { ($0.name, []) })
        let pids = Dictionary(workers.map { ($0.name, $0.pid) }, uniquingKeysWith: { first, _ in first })
        for job in try await store.running() {
            let worker = job.worker ?? "unknown"
            byWorker[worker, default: []].append([
                "id": .string(job.id), "name": .string(job.name), "args": .array(job.args),
                "kwargs": .object(job.kwargs), "time_start": job.startedAt.map { .double($0.timeIntervalSince1970) } ?? .null,
                "worker_pid": pids[worker].map { .int(Int64($0)) } ?? .null,
            ])
        }
        return .object(byWorker.mapValues { .array($0) })
    }

    /// Claimed but not started jobs. With prefetch 1 a claim starts its body at once, so each
    /// live worker's list is empty, as Celery's is with `worker_prefetch_multiplier = 1` and late ack.
    public func reserved() async throws -> JSONValue {
        .object(Dictionary(uniqueKeysWithValues: try await liveWorkers().map { ($0.name, JSONValue.array([])) }))
    }

    /// Waiting jobs whose ETA, countdown or retry time is in the future, soonest first.
    public func scheduled() async throws -> JSONValue {
        .array(
            try await store.scheduled(limit: 1000).map { job in
                [
                    "id": .string(job.id), "name": .string(job.name), "args": .array(job.args),
                    "kwargs": .object(job.kwargs), "queue": .string(job.queue), "priority": .int(Int64(job.priority)),
                    "state": .string(job.state.rawValue), "eta": .string(ISO8601.string(job.runAt)),
                ]
            })
    }

    /// Task names by live worker; with no live worker, the names this configuration registers.
    public func registered() async throws -> JSONValue {
        let workers = try await liveWorkers()
        if workers.isEmpty {
            return ["local": .array(registry.names.map { .string($0) })]
        }
        return .object(
            Dictionary(uniqueKeysWithValues: workers.map { ($0.name, JSONValue.array($0.registered.map { .string($0) })) }))
    }

    public func stats() async throws -> JSONValue {
        let now = clock.now()
        let queues = Dictionary(uniqueKeysWithValues: try await store.queueStats().map { ($0.name, $0) })
        return .object(
            Dictionary(
                uniqueKeysWithValues: try await liveWorkers().map { worker in
                    (worker.name, workerStats(worker, now: now, queues: queues))
                }))
    }

    /// Celery's stats of one worker, plus the counts of the queues its pools serve.
    func workerStats(_ worker: WorkerInfo, now: Date, queues: [String: QueueStats]) -> JSONValue {
        let served = Set(worker.pools.flatMap(\.queues)).sorted()
        return [
            "queues": .object(
                Dictionary(uniqueKeysWithValues: served.map { ($0, APIService.json(queues[$0] ?? QueueStats(name: $0))) })),
            "pid": .int(Int64(worker.pid)),
            "hostname": .string(worker.host),
            "uptime": .int(Int64(max(0, now.timeIntervalSince(worker.startedAt)))),
            "pools": .array(
                worker.pools.map { ["queues": .array($0.queues.map { .string($0) }), "concurrency": .int(Int64($0.concurrency))] }),
            "total": .object(worker.processed.mapValues { .int(Int64($0)) }),
            "failed": .object(worker.failed.mapValues { .int(Int64($0)) }),
            "prefetch_count": 1,
            "broker": broker,
        ]
    }

    /// `{worker: {"ok": "pong"}}` for every worker with a fresh heartbeat.
    public func ping() async throws -> JSONValue {
        .object(
            Dictionary(
                uniqueKeysWithValues: try await liveWorkers().map { worker in
                    (worker.name, JSONValue.object(["ok": "pong", "last_seen": .string(ISO8601.string(worker.lastSeen))]))
                }))
    }
}

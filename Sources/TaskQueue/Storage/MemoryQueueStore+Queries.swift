import Foundation

/// Reads, result expiry and the worker registry of the in-memory twin.
extension MemoryQueueStore {
    public func revokeRequested(among ids: [String]) async throws -> Set<String> {
        storage.withLock { storage in Set(ids.filter { storage.jobs[$0]?.revokeRequested == true }) }
    }

    public func job(id: String) async throws -> JobLookup {
        let now = clock.now()
        return storage.withLock { storage in
            guard let job = storage.jobs[id], (job.expiresAt ?? now) >= now else { return .notFound }
            return .found(job)
        }
    }

    public func jobs(_ filter: JobFilter) async throws -> [JobRecord] {
        storage.withLock { storage in
            storage.jobs.values
                .filter(filter.matches)
                .sorted { $0.id > $1.id }
                .dropFirst(filter.offset).prefix(filter.limit).map { $0 }
        }
    }

    /// Always exact: the twin holds few jobs.
    public func countJobs(_ filter: JobFilter, limit: Int?) async throws -> JobCounts {
        var all = filter
        all.limit = Int.max
        all.offset = 0
        return JobCounts(Dictionary(grouping: try await jobs(all), by: \.state).mapValues(\.count))
    }

    public func totalJobs(_ filter: JobFilter, limit: Int?) async throws -> JobTotal {
        JobTotal(try await countJobs(filter, limit: limit).total)
    }

    public func queueStats() async throws -> [QueueStats] {
        let now = clock.now()
        return storage.withLock { storage in
            var stats: [String: QueueStats] = [:]
            for job in storage.jobs.values {
                var entry = stats[job.queue] ?? QueueStats(name: job.queue)
                let state = job.visibleState(at: now)
                if state.isWaiting && job.runAt > now {
                    entry.delayed += 1
                } else if state == .pending {
                    entry.waiting += 1
                    let age = now.timeIntervalSince(job.runAt)
                    entry.oldestWaitingAge = max(entry.oldestWaitingAge ?? 0, age)
                }
                if state == .retry { entry.retrying += 1 }
                if state.isRunning { entry.running += 1 }
                if state == .failure { entry.failed += 1 }
                stats[job.queue] = entry
            }
            for queue in storage.paused { stats[queue, default: QueueStats(name: queue)].paused = true }
            return stats.values.sorted { $0.name < $1.name }
        }
    }

    public func countsByQueueAndState() async throws -> [String: [TaskState: Int]] {
        storage.withLock { storage in
            var counts: [String: [TaskState: Int]] = [:]
            for job in storage.jobs.values { counts[job.queue, default: [:]][job.state, default: 0] += 1 }
            return counts
        }
    }

    public func healthCheck() async throws {}

    public func scheduled(limit: Int) async throws -> [JobRecord] {
        let now = clock.now()
        return storage.withLock { storage in
            storage.jobs.values.filter { $0.state.isWaiting && $0.runAt > now }
                .sorted { ($0.runAt, $0.id) < ($1.runAt, $1.id) }
                .prefix(limit).map { $0 }
        }
    }

    public func running() async throws -> [JobRecord] {
        let now = clock.now()
        return storage.withLock { storage in
            storage.jobs.values.filter { $0.state.isRunning && ($0.leaseUntil ?? now) >= now }
                .sorted { $0.id < $1.id }
        }
    }

    public func deleteExpired(limit: Int) async throws -> Int {
        let now = clock.now()
        return storage.withLock { storage in
            let doomed = storage.jobs.values.filter { ($0.expiresAt ?? .distantFuture) < now }.prefix(limit)
            for job in doomed { storage.jobs[job.id] = nil }
            storage.stats.removeMinutes(before: TaskStatsRow.Key(at: now - policy.statsRetention, name: "", queue: "").minute)
            return doomed.count
        }
    }

    public func taskStats(minutes: Range<Int>) async throws -> [TaskStatsRow] {
        storage.withLock { storage in storage.stats.rows.values.filter { minutes.contains($0.key.minute) } }
    }

    /// The rows of `minutes`, of one task name and/or queue if given.
    private func taskStats(minutes: Range<Int>, name: String?, queue: String?) async throws -> [TaskStatsRow] {
        try await taskStats(minutes: minutes).filter { row in
            (name == nil || row.key.name == name) && (queue == nil || row.key.queue == queue)
        }
    }

    public func taskStatsByName(minutes: Range<Int>, name: String?, queue: String?) async throws -> [TaskStatsSummary] {
        var byName: [String: TaskStatsSummary] = [:]
        for row in try await taskStats(minutes: minutes, name: name, queue: queue) {
            let empty = TaskStatsRow(key: .init(minute: minutes.lowerBound, name: row.key.name, queue: ""))
            byName[row.key.name, default: TaskStatsSummary(stats: empty, queues: [])].stats.merge(row)
            byName[row.key.name]?.queues.append(row.key.queue)
        }
        return byName.values.map { TaskStatsSummary(stats: $0.stats, queues: Array(Set($0.queues)).sorted()) }
            .sorted { $0.stats.key.name < $1.stats.key.name }
    }

    public func taskThroughput(minutes: Range<Int>, step: Int, name: String?, queue: String?) async throws -> [ThroughputPoint] {
        var points: [Int: ThroughputPoint] = [:]
        for row in try await taskStats(minutes: minutes, name: name, queue: queue) {
            let minute = minutes.lowerBound + (row.key.minute - minutes.lowerBound) / step * step
            var point = points[minute] ?? ThroughputPoint(minute: minute)
            point.succeeded += row.succeeded
            point.failed += row.failed
            point.retried += row.retried
            point.revoked += row.revoked
            points[minute] = point
        }
        return points.values.sorted { $0.minute < $1.minute }
    }

    public func deleteFinished(ids: [String]) async throws -> [String] {
        storage.withLock { storage in
            ids.filter { id in
                guard let job = storage.jobs[id], job.state.isFinal else { return false }
                storage.jobs[id] = nil
                return true
            }
        }
    }

    public func heartbeat(_ worker: WorkerInfo) async throws {
        storage.withLock { storage in
            storage.workers[worker.name] = worker
            storage.workers = storage.workers.filter {
                worker.lastSeen.timeIntervalSince($0.value.lastSeen) <= WorkerInfo.forgottenAfter
            }
            storage.controls = storage.controls.filter { storage.workers[$0.key] != nil }
        }
    }

    public func removeWorker(name: String) async throws {
        storage.withLock { storage in
            storage.workers[name] = nil
            storage.controls[name] = nil
        }
    }

    public func setControl(_ control: WorkerControl?, worker name: String) async throws -> WorkerControl? {
        storage.withLock { storage in
            guard storage.controls[name] != .stop else { return .stop }
            storage.controls[name] = control
            return control
        }
    }

    public func workerControls() async throws -> [String: WorkerControl] {
        storage.withLock { $0.controls }
    }

    public func workers(seenWithin: TimeInterval) async throws -> [WorkerInfo] {
        let now = clock.now()
        return storage.withLock { storage in
            storage.workers.values.filter { now.timeIntervalSince($0.lastSeen) <= seenWithin }.sorted { $0.name < $1.name }
        }
    }
}

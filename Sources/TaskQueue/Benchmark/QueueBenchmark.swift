import Common
import Foundation
import Logging
import PostgresSupport
import SQLiteSupport
import Synchronization

/// `importer bench queue`: measures the queue in-process on a fresh temporary database (or a
/// fresh schema of a PostgreSQL server) — drain rate (pre-filled, and enqueued while draining),
/// enqueue rate, enqueue-to-start latency, and memory. Not a test: numbers go to BENCHMARKS.md.
public struct QueueBenchmark: Sendable {
    public struct Report: Sendable {
        public var jobs: Int
        public var enqueuePerSecond: Double
        public var drainPrefilledPerSecond: Double
        public var drainWhileEnqueuingPerSecond: Double
        public var latencyP50: Double
        public var latencyP99: Double
        public var idleRSS: Int
        public var peakRSS: Int
        /// The longest write transaction seen, in seconds (SQLite's group commit).
        public var longestTransaction: Double?
        /// Writes per commit while draining (SQLite's group commit at work).
        public var writesPerCommit: Double?
    }

    public var jobs = 10_000
    public var latencySamples = 1_000
    public var concurrency = 2
    public var producers = 64

    public init() {}

    static let task = "bench.noop"

    public func run(synchronous: SQLiteOptions.Synchronous) async throws -> Report {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SQLiteQueueStore(
            path: directory.appendingPathComponent("queue.sqlite").path, options: SQLiteOptions(synchronous: synchronous))
        // The checkpointer runs as it does in `importer worker`.
        let checkpointing = Task { try await store.checkpointer?.run() }
        defer { checkpointing.cancel() }
        return try await measure(store, statistics: { store.writeStatistics }, longest: { store.longestTransaction })
    }

    /// The same on the PostgreSQL server of `url`, in a new schema (`bench_…`) dropped at the end,
    /// with wake-ups listened for as `importer worker` does; `url`'s pool size at least the slots.
    public func run(postgres url: PostgresURL) async throws -> Report {
        var url = url
        url.schema = "bench_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(12)
        url.poolSize = max(url.poolSize, concurrency + 4)
        let pool = try PostgresPool(url: url)
        defer {
            _ = try? pool.withSession { session in try session.execute("DROP SCHEMA IF EXISTS \(unescaped: url.schema) CASCADE") }
            pool.close()
        }
        var logger = Logger(label: "bench")
        logger.logLevel = .warning
        let clock = PostgresServerClock(pool: pool, logger: logger)
        try clock.measure()
        let store = try PostgresQueueStore(pool: pool, clock: clock)
        let doorbell = Doorbell()
        let wakeups = PostgresWakeups(pool: pool, doorbell: doorbell, logger: logger)
        let listening = Task { try await wakeups.run() }
        defer { listening.cancel() }
        return try await measure(store, doorbell: doorbell, clock: clock, statistics: { nil }, longest: { nil })
    }

    private func measure(
        _ store: any QueueStore, doorbell: Doorbell = Doorbell(), clock: any WallClock = SystemClock(),
        statistics: () -> (transactions: Int, writes: Int, busySeconds: Double)?, longest: () -> Double?
    ) async throws -> Report {
        let starts = StartLog()
        var registry = TaskRegistry()
        registry.register(
            TaskDefinition(name: Self.task) { context in
                starts.record(context.id)
                return .null
            })
        let client = QueueClient(store: store, registry: registry, doorbell: doorbell, clock: clock)
        var logger = Logger(label: "bench")
        logger.logLevel = .warning
        let configuration = WorkerConfiguration(
            name: "bench@local:\(ProcessInfo.processInfo.processIdentifier)",
            pools: [.init(queues: ["default"], concurrency: concurrency)])

        // Idle RSS: the store open and a worker waiting for jobs, as `importer worker` idles.
        let idler = Worker(configuration: configuration, client: client, logger: logger)
        let idling = Task { try await idler.run() }
        try await Task.sleep(for: .seconds(1))
        let idleRSS = ProcessMemory.residentBytes ?? 0
        idler.beginWarmShutdown()
        try await idling.value

        let worker = Worker(configuration: configuration, client: client, logger: logger)

        // Enqueue rate, and the pre-filled backlog for the first drain.
        let enqueueSeconds = try await timed { try await enqueue(jobs, client: client) }
        let running = Task { try await worker.run() }
        defer { worker.beginWarmShutdown() }
        let before = statistics()
        let drainSeconds = try await timed { try await waitForSuccesses(jobs, worker: worker, store: store) }
        let writesPerCommit = zip2(before, statistics()).map { before, after in
            Double(after.writes - before.writes) / Double(max(1, after.transactions - before.transactions))
        }

        // Drain while producers enqueue.
        let whileSeconds = try await timed {
            async let produced: Void = enqueue(jobs, client: client)
            try await waitForSuccesses(2 * jobs, worker: worker, store: store)
            try await produced
        }

        // Enqueue-to-start latency of single jobs on an idle queue.
        var latencies: [Double] = []
        for _ in 0..<latencySamples {
            let begin = ContinuousClock.now
            let id = try await client.submit(TaskSubmission(name: Self.task)).id
            let started = await starts.wait(for: id)
            latencies.append(Double((started - begin).components.attoseconds) / 1e18 + Double((started - begin).components.seconds))
        }
        latencies.sort()
        let longestTransaction = longest()
        worker.beginWarmShutdown()
        try await running.value
        return Report(
            jobs: jobs, enqueuePerSecond: Double(jobs) / enqueueSeconds,
            drainPrefilledPerSecond: Double(jobs) / drainSeconds, drainWhileEnqueuingPerSecond: Double(jobs) / whileSeconds,
            latencyP50: latencies[latencies.count / 2], latencyP99: latencies[latencies.count * 99 / 100],
            idleRSS: idleRSS, peakRSS: ProcessMemory.peakResidentBytes ?? 0, longestTransaction: longestTransaction,
            writesPerCommit: writesPerCommit)
    }

    private func enqueue(_ count: Int, client: QueueClient) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for producer in 0..<producers {
                group.addTask {
                    for _ in stride(from: producer, to: count, by: producers) {
                        try await client.submit(TaskSubmission(name: Self.task))
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    /// Waits until the worker has acked `count` jobs (its own counter: polling the database
    /// would compete with the writer being measured), then checks the database agrees.
    private func waitForSuccesses(_ count: Int, worker: Worker, store: any QueueStore) async throws {
        while worker.info().processed[Self.task, default: 0] < count {
            try await Task.sleep(for: .milliseconds(1))
        }
        let stored = try await store.countJobs(JobFilter(state: .success))
        guard stored >= count else { throw QueueError.storage("benchmark: \(stored) successes stored, \(count) acked") }
    }

    private func zip2<A, B>(_ a: A?, _ b: B?) -> (A, B)? {
        guard let a, let b else { return nil }
        return (a, b)
    }

    private func timed(_ work: () async throws -> Void) async throws -> Double {
        let start = ContinuousClock.now
        try await work()
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}

/// When each job's body started, and who waits for it.
final class StartLog: Sendable {
    private struct State {
        var started: [String: ContinuousClock.Instant] = [:]
        var waiters: [String: CheckedContinuation<ContinuousClock.Instant, Never>] = [:]
    }

    private let state = Mutex(State())

    func record(_ id: String) {
        let now = ContinuousClock.now
        let waiter = state.withLock { state -> CheckedContinuation<ContinuousClock.Instant, Never>? in
            if let waiter = state.waiters.removeValue(forKey: id) { return waiter }
            if state.started.count < 100_000 { state.started[id] = now }
            return nil
        }
        waiter?.resume(returning: now)
    }

    func wait(for id: String) async -> ContinuousClock.Instant {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> ContinuousClock.Instant? in
                if let started = state.started.removeValue(forKey: id) { return started }
                state.waiters[id] = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}

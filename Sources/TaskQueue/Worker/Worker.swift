import Common
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Why a worker stopped on its own.
public enum WorkerError: Error, CustomStringConvertible, Sendable, Equatable {
    case tooManyRunaways(count: Int, limit: Int)

    public var description: String {
        switch self {
        case .tooManyRunaways(let count, let limit):
            return "\(count) task bodies ignored their hard time limit and are still running (max_runaway_tasks = \(limit)); "
                + "exiting so that a supervisor restarts the worker"
        }
    }
}

/// One worker per process (`importer@host:pid`): runs the configured pools of slots, each on
/// its own thread; supervises their leases, time limits and revokes; keeps a heartbeat row;
/// and shuts down warm (finish, then release) or cold (release at once).
public final class Worker: Service, Sendable {
    private struct State {
        var stopping = false
        var runs: [ObjectIdentifier: SlotRun] = [:]
        var processed: [String: Int] = [:]
        var failed: [String: Int] = [:]
        /// Bodies abandoned at their hard time limit that are still running.
        var runaways = 0
        var fatal: WorkerError?
        /// A cold shutdown: no grace period.
        var cold = false
        /// An operator's quiet request is in force: the slots claim nothing.
        var quiet = false
    }

    public let configuration: WorkerConfiguration
    public let client: QueueClient
    let logger: Logger
    private let startedAt: Date
    private let state = Mutex(State())
    let metrics = TaskMetrics()

    /// How often the supervisor looks at running jobs: time limits fire within this.
    static let tick: TimeInterval = 0.05
    /// How often the worker reads its control request (quiet, stop): obeyed within this.
    static let controlPollInterval: TimeInterval = 0.5

    /// Rate limits of this process's slots.
    let rateLimiter: RateLimiter
    /// Woken when a warm or cold shutdown starts, and when a cold one ends the grace period.
    private let shutdownStarted = WakeableSleep()
    private let graceEnded = WakeableSleep()

    public init(configuration: WorkerConfiguration, client: QueueClient, logger: Logger) {
        self.configuration = configuration
        self.client = client
        self.logger = logger
        self.startedAt = client.clock.now()
        var limits: [String: RateLimit] = [:]
        for name in client.registry.names {
            if let limit = client.registry.task(named: name)?.rateLimit { limits[name] = limit }
        }
        limits.merge(configuration.rateLimits) { _, configured in configured }
        self.rateLimiter = RateLimiter(limits: limits)
    }

    var isStopping: Bool { state.withLock { $0.stopping } }

    /// Slots claim nothing while this holds: quiet, or stopping.
    var isIdleByRequest: Bool { state.withLock { $0.quiet || $0.stopping } }

    public func run() async throws {
        let slots = configuration.pools.enumerated().flatMap { poolIndex, pool in
            (0..<max(1, pool.concurrency)).map { index in
                WorkerSlot(label: "pool\(poolIndex)-slot\(index)", queues: pool.queues, worker: self)
            }
        }
        try await client.store.heartbeat(info())
        logger.info(
            "worker_ready",
            metadata: [
                "worker": "\(configuration.name)",
                "pools": "\(configuration.pools.map { "\($0.queues.joined(separator: ","))×\($0.concurrency)" })",
                "tasks": "\(client.registry.names.count)",
            ])
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                await withTaskGroup(of: Bool.self) { group in
                    for slot in slots {
                        group.addTask {
                            await slot.run()
                            return true
                        }
                    }
                    group.addTask {
                        await self.heartbeatLoop()
                        return false
                    }
                    group.addTask {
                        await self.supervise()
                        return false
                    }
                    group.addTask {
                        await self.obeyControlRequests()
                        return false
                    }
                    group.addTask {
                        await self.abandonAfterGrace()
                        return false
                    }
                    // The background loops end with the slots: wait for every slot, then stop them.
                    var remaining = slots.count
                    while remaining > 0, let isSlot = await group.next() {
                        if isSlot { remaining -= 1 }
                    }
                    group.cancelAll()
                }
            } onGracefulShutdown: {
                self.beginWarmShutdown()
            }
        } onCancel: {
            self.coldShutdown()
        }
        try? await client.store.removeWorker(name: configuration.name)
        logger.info("worker_shutdown", metadata: ["worker": "\(configuration.name)"])
        if let fatal = state.withLock({ $0.fatal }) { throw fatal }
    }

    // MARK: Shutdown

    /// Stop claiming; running jobs get `shutdown_grace` seconds, then are cancelled and released.
    public func beginWarmShutdown() {
        guard markStopping() else { return }
        logger.info("worker_stopping", metadata: ["grace": "\(configuration.shutdownGrace)"])
        client.doorbell.ring()
        shutdownStarted.wake()
    }

    /// Stop at once: running jobs are cancelled and released.
    func coldShutdown() {
        _ = markStopping()
        state.withLock { $0.cold = true }
        client.doorbell.ring()
        shutdownStarted.wake()
        graceEnded.wake()
    }

    /// Stops at once (running jobs released) and makes `run()` throw `error`.
    func stop(because error: WorkerError) {
        state.withLock { state in
            if state.fatal == nil { state.fatal = error }
        }
        logger.critical("worker_exiting", metadata: ["reason": "\(error)"])
        coldShutdown()
    }

    /// A task of `run()`: once a shutdown starts, waits out `shutdown_grace` (none for a cold
    /// one), then abandons the jobs still running. Cancelled with the group once every slot
    /// ended (then nothing is left to abandon).
    private func abandonAfterGrace() async {
        await shutdownStarted.sleep(for: .infinity)
        if Task.isCancelled && !isStopping { return }
        if !state.withLock({ $0.cold }) {
            await graceEnded.sleep(for: configuration.shutdownGrace)
        }
        await abandonRunningJobs()
    }

    /// Returns false if the worker was already stopping.
    private func markStopping() -> Bool {
        state.withLock { state in
            defer { state.stopping = true }
            return !state.stopping
        }
    }

    /// Bodies still running are asked to stop and left behind; their leases are released so
    /// another worker may run the jobs again (not counted as lost deliveries).
    func abandonRunningJobs() async {
        for run in state.withLock({ Array($0.runs.values) }) where run.finish(.abandoned) {
            run.context.cancel(.shutdown)
            stopped(run)
            do {
                try await client.store.releaseAbandoned(run.job.lease)
                logger.info("task_released", metadata: ["task.id": "\(run.job.id)"])
            } catch {
                logger.warning("release_refused", metadata: ["task.id": "\(run.job.id)", "error": "\(error)"])
            }
            // Only now may the slot end (and with the last slot, the process): the release is committed.
            run.slot.abandonThread()
        }
    }

    // MARK: Runs

    func started(_ run: SlotRun) {
        state.withLock { $0.runs[ObjectIdentifier(run)] = run }
        logger.debug("task_started", metadata: ["task.id": "\(run.job.id)", "task.name": "\(run.job.name)"])
    }

    func stopped(_ run: SlotRun) {
        state.withLock { _ = $0.runs.removeValue(forKey: ObjectIdentifier(run)) }
    }

    func record(_ name: String, failed: Bool) {
        state.withLock { state in
            state.processed[name, default: 0] += 1
            if failed { state.failed[name, default: 0] += 1 }
        }
        metrics.finished(name, failed: failed)
    }

    func runawayEnded() {
        state.withLock { $0.runaways -= 1 }
    }

    var runawayCount: Int { state.withLock { $0.runaways } }

    // MARK: Supervision

    /// Watches running jobs every `tick`: soft and hard time limits, lease renewal every third
    /// of the visibility timeout (all due leases in one write), revoke flags every
    /// `revokePollInterval` (one read), whichever process asked.
    private func supervise() async {
        let renewEvery = client.store.policy.visibilityTimeout / 3
        var lastRevokeCheck = ContinuousClock.now
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(Self.tick))
            let now = ContinuousClock.now
            let runs = state.withLock { Array($0.runs.values) }
            if runs.isEmpty { continue }
            for run in runs {
                if now >= run.softDeadline { run.context.cancel(.softTimeLimit, softLimit: run.softLimit) }
                if now >= run.hardDeadline, run.finish(.timeLimit) { await enforceHardLimit(run) }
            }
            await renew(runs.filter { !$0.isFinished && $0.renewalDue(every: renewEvery, now: now) }, at: now)
            if now - lastRevokeCheck >= .seconds(configuration.revokePollInterval) {
                lastRevokeCheck = now
                await relayRevokes(runs)
            }
        }
    }

    /// The job fails with `TimeLimitExceeded` (fenced: the body's later writes are refused),
    /// its SQLite statements are interrupted, and its slot carries on with a new thread.
    private func enforceHardLimit(_ run: SlotRun) async {
        run.context.cancel(.timeLimit)
        run.context.interrupt()
        stopped(run)
        run.slot.replaceThread()
        let count = state.withLock { state -> Int in
            state.runaways += 1
            return state.runaways
        }
        let error = TaskErrorInfo(
            type: "TimeLimitExceeded", message: "the task exceeded its hard time limit of \(run.hardLimit) s and was abandoned")
        do {
            try await client.store.failAbandoned(run.job.lease, error: error)
            record(run.job.name, failed: true)
        } catch {
            logger.warning("time_limit_refused", metadata: ["task.id": "\(run.job.id)", "error": "\(error)"])
        }
        logger.error(
            "task_time_limit",
            metadata: ["task.id": "\(run.job.id)", "task.name": "\(run.job.name)", "runaways": "\(count)"])
        if count > configuration.maxRunawayTasks {
            stop(because: .tooManyRunaways(count: count, limit: configuration.maxRunawayTasks))
        }
    }

    private func renew(_ runs: [SlotRun], at now: ContinuousClock.Instant) async {
        guard !runs.isEmpty else { return }
        do {
            let statuses = try await client.store.renew(runs.map(\.job.lease))
            for run in runs {
                switch statuses[run.job.lease] ?? .lost {
                case .lost:
                    logger.warning("lease_lost", metadata: ["task.id": "\(run.job.id)"])
                    run.markLeaseLost()
                case .held(_, let revokeRequested):
                    run.renewed(at: now)
                    if revokeRequested { run.context.cancel(.revoked) }
                }
            }
        } catch {
            logger.error("lease_renewal_failed", metadata: ["error": "\(error)"])
        }
    }

    private func relayRevokes(_ runs: [SlotRun]) async {
        do {
            let revoked = try await client.store.revokeRequested(among: runs.map(\.job.id))
            for run in runs where revoked.contains(run.job.id) { run.context.cancel(.revoked) }
        } catch {
            logger.error("revoke_check_failed", metadata: ["error": "\(error)"])
        }
    }

    // MARK: Control requests

    /// Reads this worker's control request every `controlPollInterval` and obeys it: quiet
    /// stops claims (resumed when the request is cleared), stop starts a warm shutdown.
    private func obeyControlRequests() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(Self.controlPollInterval))
            if Task.isCancelled || isStopping { return }
            do {
                apply(try await client.store.workerControls()[configuration.name])
            } catch {
                logger.error("control_check_failed", metadata: ["error": "\(error)"])
            }
        }
    }

    func apply(_ control: WorkerControl?) {
        switch control {
        case .stop:
            logger.info("worker_stop_requested", metadata: ["worker": "\(configuration.name)"])
            beginWarmShutdown()
        case .quiet, nil:
            let quiet = control == .quiet
            let changed = state.withLock { state in
                defer { state.quiet = quiet }
                return state.quiet != quiet
            }
            guard changed else { return }
            logger.info(quiet ? "worker_quiet" : "worker_resumed", metadata: ["worker": "\(configuration.name)"])
            // Resumed slots claim at once; quiet ones wake to see the request.
            client.doorbell.ring()
        }
    }

    // MARK: Heartbeat

    /// The heartbeat row: what `inspect` and the workers endpoint read.
    public func info() -> WorkerInfo {
        let (processed, failed, active) = state.withLock { ($0.processed, $0.failed, $0.runs.values.map(\.job.id)) }
        return WorkerInfo(
            name: configuration.name, pid: Int(ProcessInfo.processInfo.processIdentifier),
            host: ProcessInfo.processInfo.hostName, startedAt: startedAt, lastSeen: client.clock.now(),
            pools: configuration.pools, registered: client.registry.names, processed: processed, failed: failed,
            active: active.sorted())
    }

    private func heartbeatLoop() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(configuration.heartbeatInterval))
            if Task.isCancelled { return }
            do {
                try await client.store.heartbeat(info())
            } catch {
                logger.error("heartbeat_failed", metadata: ["error": "\(error)"])
            }
        }
    }
}

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

/// One worker per process (`importer@host:pid`): runs the configured pools of slots, keeps a
/// heartbeat row, and shuts down warm (finish, then release) or cold (release at once).
public final class Worker: Service, Sendable {
    private struct State {
        var stopping = false
        var runs: [String: SlotRun] = [:]
        var processed: [String: Int] = [:]
        var failed: [String: Int] = [:]
        /// Bodies abandoned at their hard time limit that are still running.
        var runaways = 0
        var fatal: WorkerError?
    }

    public let configuration: WorkerConfiguration
    public let client: QueueClient
    let logger: Logger
    private let startedAt: Date
    private let state = Mutex(State())

    public init(configuration: WorkerConfiguration, client: QueueClient, logger: Logger) {
        self.configuration = configuration
        self.client = client
        self.logger = logger
        self.startedAt = client.clock.now()
    }

    var isStopping: Bool { state.withLock { $0.stopping } }

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
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                for slot in slots {
                    group.addTask { await slot.run() }
                }
                group.addTask { await self.heartbeatLoop() }
                group.addTask { await self.revokeLoop() }
                // The background loops end with the slots: wait for every slot, then stop them.
                var remaining = slots.count
                while remaining > 0, await group.next() != nil { remaining -= 1 }
                group.cancelAll()
            }
        } onGracefulShutdown: {
            self.beginWarmShutdown()
        }
        try? await client.store.removeWorker(name: configuration.name)
        logger.info("worker_shutdown", metadata: ["worker": "\(configuration.name)"])
        if let fatal = state.withLock({ $0.fatal }) { throw fatal }
    }

    /// Stop claiming; running jobs get `shutdown_grace` seconds, then are cancelled and released.
    public func beginWarmShutdown() {
        let already = state.withLock { state -> Bool in
            defer { state.stopping = true }
            return state.stopping
        }
        guard !already else { return }
        logger.info("worker_stopping", metadata: ["grace": "\(configuration.shutdownGrace)"])
        client.doorbell.ring()
        DispatchQueue.global().asyncAfter(deadline: .now() + configuration.shutdownGrace) { [self] in
            self.abandonRunningJobs()
        }
    }

    /// Cold end of the grace period: running bodies are asked to stop and their leases released.
    func abandonRunningJobs() {
        let runs = state.withLock { Array($0.runs.values) }
        for run in runs {
            run.context.cancel(.shutdown)
            run.finish(.abandoned)
        }
    }

    /// Stops at once (running jobs released) and makes `run()` throw `error`.
    func stop(because error: WorkerError) {
        state.withLock { state in
            state.stopping = true
            if state.fatal == nil { state.fatal = error }
        }
        logger.critical("worker_exiting", metadata: ["reason": "\(error)"])
        client.doorbell.ring()
        abandonRunningJobs()
    }

    func runawayStarted() {
        let count = state.withLock { state -> Int in
            state.runaways += 1
            return state.runaways
        }
        logger.warning("runaway_body", metadata: ["runaways": "\(count)", "max": "\(configuration.maxRunawayTasks)"])
        if count > configuration.maxRunawayTasks {
            stop(because: .tooManyRunaways(count: count, limit: configuration.maxRunawayTasks))
        }
    }

    func runawayEnded() {
        state.withLock { $0.runaways -= 1 }
    }

    var runawayCount: Int { state.withLock { $0.runaways } }

    func started(_ run: SlotRun, slot: String) {
        state.withLock { $0.runs[slot] = run }
    }

    func stopped(_ jobID: String, slot: String) {
        state.withLock { _ = $0.runs.removeValue(forKey: slot) }
    }

    func record(_ name: String, failed: Bool) {
        state.withLock { state in
            state.processed[name, default: 0] += 1
            if failed { state.failed[name, default: 0] += 1 }
        }
    }

    /// The heartbeat row: what `inspect` and the workers endpoint read.
    public func info() -> WorkerInfo {
        let (processed, failed, active) = state.withLock { ($0.processed, $0.failed, $0.runs.values.map(\.context.id)) }
        return WorkerInfo(
            name: configuration.name, pid: Int(ProcessInfo.processInfo.processIdentifier),
            host: ProcessInfo.processInfo.hostName, startedAt: startedAt, lastSeen: client.clock.now(),
            pools: configuration.pools, registered: client.registry.names, processed: processed, failed: failed,
            active: active.sorted())
    }

    /// Relays revokes of this worker's running jobs, whichever process asked, within
    /// `revokePollInterval` (a cheap read of their flags).
    private func revokeLoop() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(configuration.revokePollInterval))
            let runs = state.withLock { Array($0.runs.values) }
            guard !runs.isEmpty else { continue }
            do {
                let revoked = try await client.store.revokeRequested(among: runs.map(\.context.id))
                for run in runs where revoked.contains(run.context.id) { run.context.cancel(.revoked) }
            } catch {
                logger.error("revoke_check_failed", metadata: ["error": "\(error)"])
            }
        }
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

import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// One worker per process (`importer@host:pid`): runs the configured pools of slots, keeps a
/// heartbeat row, and shuts down warm (finish, then release) or cold (release at once).
public final class Worker: Service, Sendable {
    private struct State {
        var stopping = false
        var runs: [String: SlotRun] = [:]
        var processed: [String: Int] = [:]
        var failed: [String: Int] = [:]
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
                // The heartbeat loop ends with the slots: wait for every slot, then stop it.
                var remaining = slots.count + 1
                while remaining > 1, await group.next() != nil { remaining -= 1 }
                group.cancelAll()
            }
        } onGracefulShutdown: {
            self.beginWarmShutdown()
        }
        try? await client.store.removeWorker(name: configuration.name)
        logger.info("worker_shutdown", metadata: ["worker": "\(configuration.name)"])
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

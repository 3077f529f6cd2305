import Common
import Foundation
import Metrics
import Prometheus
import Synchronization
import TaskQueue

/// The process's Prometheus registry, the swift-metrics backend for every module. Bootstrapped
/// once per process (swift-metrics allows one bootstrap).
public final class AppMetrics: Sendable {
    public static let shared = AppMetrics()

    let registry = PrometheusCollectorRegistry()
    /// Queue/state pairs seen at earlier scrapes, so a gauge drops to 0 instead of vanishing.
    private let seen = Mutex<Set<[String]>>([])

    /// Queues seen paused at earlier scrapes.
    private let seenPaused = Mutex<Set<String>>([])

    private init() {
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        // Prometheus's convention: a constant 1 whose labels say what is running.
        registry.makeGauge(
            name: "importer_build_info", labels: [("version", AppVersion.current), ("commit", AppVersion.commit)]
        ).set(to: 1)
    }

    /// Sets the jobs-by-state-and-queue gauges from the database, then renders every metric in
    /// the Prometheus text format.
    func scrape(_ store: any QueueAdminStore) async throws -> String {
        let counts = try await store.countsByQueueAndState()
        // Paused queues: 1 while paused, 0 once resumed (a queue seen paused stays listed).
        let paused = try await store.pausedQueues()
        let everPaused = seenPaused.withLock { seen -> Set<String> in
            seen.formUnion(paused)
            return seen
        }
        for queue in everPaused {
            registry.makeGauge(name: "importer_queue_paused", labels: [("queue", queue)]).set(to: paused.contains(queue) ? 1 : 0)
        }
        var current: Set<[String]> = []
        for (queue, states) in counts {
            for (state, count) in states {
                current.insert([queue, state.rawValue])
                registry.makeGauge(name: "importer_jobs", labels: [("queue", queue), ("state", state.rawValue)])
                    .set(to: Double(count))
            }
        }
        let vanished = seen.withLock { seen -> Set<[String]> in
            defer { seen = seen.union(current) }
            return seen.subtracting(current)
        }
        for pair in vanished {
            registry.makeGauge(name: "importer_jobs", labels: [("queue", pair[0]), ("state", pair[1])]).set(to: 0)
        }
        return registry.emitToString() + ProcessMetrics.render()
    }
}

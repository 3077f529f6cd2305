import Foundation
import Metrics
import Synchronization

/// The worker's metrics through swift-metrics (the application chooses the backend, e.g.
/// Prometheus): processed, failed and retried counters per task, task duration and queue wait.
/// Handles are cached per task name: the hot path does no factory lookup.
final class TaskMetrics: Sendable {
    private struct Handles: @unchecked Sendable {
        // swift-metrics handles are thread-safe; they are not marked Sendable.
        let processed: Counter
        let failed: Counter
        let retried: Counter
        let duration: Metrics.Timer
        let wait: Metrics.Timer
    }

    private let handles = Mutex<[String: Handles]>([:])

    private func handles(_ task: String) -> Handles {
        handles.withLock { cache in
            if let handles = cache[task] { return handles }
            let dimensions = [("task", task)]
            let handles = Handles(
                processed: Counter(label: "importer_tasks_processed_total", dimensions: dimensions),
                failed: Counter(label: "importer_tasks_failed_total", dimensions: dimensions),
                retried: Counter(label: "importer_tasks_retried_total", dimensions: dimensions),
                duration: Metrics.Timer(label: "importer_task_duration_seconds", dimensions: dimensions),
                wait: Metrics.Timer(label: "importer_task_queue_wait_seconds", dimensions: dimensions))
            cache[task] = handles
            return handles
        }
    }

    func started(_ task: String, waited seconds: Double) {
        handles(task).wait.recordNanoseconds(Int64(max(0, seconds) * 1e9))
    }

    func ran(_ task: String, for duration: Duration) {
        handles(task).duration.recordNanoseconds(
            duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }

    func finished(_ task: String, failed: Bool) {
        let handles = handles(task)
        handles.processed.increment()
        if failed { handles.failed.increment() }
    }

    func retried(_ task: String) {
        handles(task).retried.increment()
    }
}

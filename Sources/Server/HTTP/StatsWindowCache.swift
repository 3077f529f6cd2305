import Synchronization
import TaskQueue

/// The stats routes' sums over minutes that are over: they no longer change, so each query keeps
/// them and reads only the last minutes from the database (the overview refreshes every second
/// or so, and a week is 151,200 rows on a busy appliance). A minute counts as over two minutes
/// after it began: counts reach the table at most ~250 ms after they happen, in any process.
final class StatsWindowCache: Sendable {
    struct Key: Hashable {
        var query: String
        var name: String?
        var queue: String?
    }

    /// Minutes at or after `now - volatileMinutes` are read every time.
    static let volatileMinutes = 2
    /// Distinct queries kept (ranges × names × queues asked for); beyond it, all are dropped.
    static let capacity = 256

    private let throughputs = Mutex<[Key: (minutes: Range<Int>, value: [ThroughputPoint])]>([:])
    private let summaries = Mutex<[Key: (minutes: Range<Int>, value: [TaskStatsSummary])]>([:])

    /// `store.taskThroughput` over `minutes`, the finished part from the cache.
    func throughput(
        _ store: any QueueAdminStore, minutes: Range<Int>, step: Int, name: String?, queue: String?
    ) async throws -> [ThroughputPoint] {
        let (finished, recent) = Self.split(minutes)
        let key = Key(query: "throughput/\(step)/\(minutes.count)", name: name, queue: queue)
        var points = try await Self.cached(throughputs, key, finished) {
            try await store.taskThroughput(minutes: finished, step: step, name: name, queue: queue)
        }
        // The recent minutes, bucketed from the window's start like the rest.
        for point in try await store.taskThroughput(minutes: recent, step: 1, name: name, queue: queue) {
            let minute = minutes.lowerBound + (point.minute - minutes.lowerBound) / step * step
            if let index = points.firstIndex(where: { $0.minute == minute }) {
                points[index].succeeded += point.succeeded
                points[index].failed += point.failed
                points[index].retried += point.retried
                points[index].revoked += point.revoked
            } else {
                points.append(ThroughputPoint(
                    minute: minute, succeeded: point.succeeded, failed: point.failed, retried: point.retried, revoked: point.revoked))
            }
        }
        return points
    }

    /// `store.taskStatsByName` over `minutes`, the finished part from the cache.
    func byName(_ store: any QueueAdminStore, minutes: Range<Int>, name: String?, queue: String?) async throws -> [TaskStatsSummary] {
        let (finished, recent) = Self.split(minutes)
        let key = Key(query: "names/\(minutes.count)", name: name, queue: queue)
        var items = try await Self.cached(summaries, key, finished) {
            try await store.taskStatsByName(minutes: finished, name: name, queue: queue)
        }
        for summary in try await store.taskStatsByName(minutes: recent, name: name, queue: queue) {
            if let index = items.firstIndex(where: { $0.stats.key.name == summary.stats.key.name }) {
                items[index].stats.merge(summary.stats)
                items[index].queues = Array(Set(items[index].queues).union(summary.queues)).sorted()
            } else {
                items.append(summary)
            }
        }
        return items
    }

    /// The value kept for `key` if it was computed over `finished`, else `compute()`'s, kept.
    private static func cached<Value: Sendable>(
        _ entries: borrowing Mutex<[Key: (minutes: Range<Int>, value: Value)]>, _ key: Key, _ finished: Range<Int>,
        _ compute: () async throws -> Value
    ) async throws -> Value {
        if let kept = entries.withLock({ $0[key] }), kept.minutes == finished { return kept.value }
        let value = try await compute()
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll() }
            entries[key] = (finished, value)
        }
        return value
    }

    /// The window's minutes that are over, and the recent ones.
    static func split(_ minutes: Range<Int>) -> (finished: Range<Int>, recent: Range<Int>) {
        let cut = min(max(minutes.lowerBound, minutes.upperBound - volatileMinutes), minutes.upperBound)
        return (minutes.lowerBound..<cut, cut..<minutes.upperBound)
    }
}

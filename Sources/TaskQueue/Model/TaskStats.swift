import Foundation

/// Durations in fixed buckets (seconds), so that minutes and processes add up and percentiles
/// are read back without keeping every value (Prometheus's histogram, in a table row).
public struct DurationHistogram: Sendable, Equatable {
    /// Upper bounds of the buckets; the last bucket takes everything above the last bound.
    public static let bounds: [Double] = [
        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800,
    ]

    /// The bounds' buckets and the one above them.
    public static let bucketCount = bounds.count + 1

    public private(set) var counts: [Int]
    public private(set) var sum: Double
    public private(set) var max: Double

    public init() {
        counts = Array(repeating: 0, count: Self.bucketCount)
        sum = 0
        max = 0
    }

    /// A stored histogram; missing buckets count 0.
    public init(counts: [Int], sum: Double, max: Double) {
        self.init()
        for (index, count) in counts.prefix(Self.bucketCount).enumerated() { self.counts[index] = count }
        self.sum = sum
        self.max = max
    }

    public var count: Int { counts.reduce(0, +) }

    public mutating func add(_ seconds: Double) {
        let value = Swift.max(0, seconds)
        counts[Self.bounds.firstIndex { value <= $0 } ?? Self.bounds.count] += 1
        sum += value
        max = Swift.max(max, value)
    }

    public mutating func merge(_ other: DurationHistogram) {
        for index in counts.indices { counts[index] += other.counts[index] }
        sum += other.sum
        max = Swift.max(max, other.max)
    }

    /// The `q` quantile (0…1), interpolated linearly within its bucket as Prometheus's
    /// `histogram_quantile` does, and never above the largest value seen; nil when empty.
    public func quantile(_ q: Double) -> Double? {
        let total = count
        guard total > 0 else { return nil }
        let rank = q * Double(total)
        var below = 0
        for (index, count) in counts.enumerated() where count > 0 {
            if Double(below + count) >= rank {
                let lower = index == 0 ? 0 : Self.bounds[index - 1]
                let upper = index < Self.bounds.count ? Self.bounds[index] : max
                let within = (rank - Double(below)) / Double(count)
                return Swift.min(max, lower + (upper - lower) * Swift.max(0, within))
            }
            below += count
        }
        return max
    }
}

/// One minute of one task name on one queue (DESIGN.md §13): outcomes, how long the finished
/// deliveries ran, and how long the started ones waited past their due time.
public struct TaskStatsRow: Sendable, Equatable {
    public struct Key: Sendable, Hashable {
        /// Unix time / 60.
        public var minute: Int
        public var name: String
        public var queue: String

        public init(minute: Int, name: String, queue: String) {
            self.minute = minute
            self.name = name
            self.queue = queue
        }

        public init(at date: Date, name: String, queue: String) {
            self.init(minute: Int((date.timeIntervalSince1970 / 60).rounded(.down)), name: name, queue: queue)
        }
    }

    public enum Outcome: Sendable {
        case succeeded, failed, retried, revoked
    }

    public var key: Key
    public var succeeded = 0
    public var failed = 0
    public var retried = 0
    public var revoked = 0
    /// Deliveries that ended (succeeded, failed, retried or revoked while running).
    public var runtime = DurationHistogram()
    /// Deliveries that started: from the due time (`run_at`) to the start.
    public var wait = DurationHistogram()

    public init(key: Key) {
        self.key = key
    }

    public mutating func merge(_ other: TaskStatsRow) {
        succeeded += other.succeeded
        failed += other.failed
        retried += other.retried
        revoked += other.revoked
        runtime.merge(other.runtime)
        wait.merge(other.wait)
    }

    mutating func count(_ outcome: Outcome) {
        switch outcome {
        case .succeeded: succeeded += 1
        case .failed: failed += 1
        case .retried: retried += 1
        case .revoked: revoked += 1
        }
    }
}

/// One task name's stats over a range of minutes, all its queues merged.
public struct TaskStatsSummary: Sendable, Equatable {
    /// `key.minute` is the range's first minute and `key.queue` is empty.
    public var stats: TaskStatsRow
    public var queues: [String]

    public init(stats: TaskStatsRow, queues: [String]) {
        self.stats = stats
        self.queues = queues
    }
}

/// Outcomes over `step` minutes from `minute` (the throughput chart's point).
public struct ThroughputPoint: Sendable, Equatable {
    public var minute: Int
    public var succeeded: Int
    public var failed: Int
    public var retried: Int
    public var revoked: Int

    public init(minute: Int, succeeded: Int = 0, failed: Int = 0, retried: Int = 0, revoked: Int = 0) {
        self.minute = minute
        self.succeeded = succeeded
        self.failed = failed
        self.retried = retried
        self.revoked = revoked
    }
}

/// The rollup's changes not yet written: each backend adds to it in the transaction of the
/// transition that caused them and writes it before that transaction commits (one upsert per
/// minute, name and queue, however many acks the group commit carried).
struct TaskStatsAccumulator {
    private(set) var rows: [TaskStatsRow.Key: TaskStatsRow] = [:]

    var isEmpty: Bool { rows.isEmpty }

    /// A delivery started at `now`, `waited` seconds after it was due.
    mutating func started(name: String, queue: String, at now: Date, waited: Double) {
        let key = TaskStatsRow.Key(at: now, name: name, queue: queue)
        rows[key, default: TaskStatsRow(key: key)].wait.add(waited)
    }

    /// A job reached `outcome` at `now`; `ran` is its delivery's runtime if one was running.
    mutating func ended(_ outcome: TaskStatsRow.Outcome, name: String, queue: String, at now: Date, ran: Double?) {
        let key = TaskStatsRow.Key(at: now, name: name, queue: queue)
        rows[key, default: TaskStatsRow(key: key)].count(outcome)
        if let ran { rows[key]?.runtime.add(ran) }
    }

    /// Adds a row back (counts a failed write did not store).
    mutating func add(_ row: TaskStatsRow) {
        rows[row.key, default: TaskStatsRow(key: row.key)].merge(row)
    }

    /// Retention (the in-memory store keeps its table here).
    mutating func removeMinutes(before minute: Int) {
        rows = rows.filter { $0.key.minute >= minute }
    }

    mutating func take() -> [TaskStatsRow] {
        defer { rows.removeAll(keepingCapacity: true) }
        return Array(rows.values)
    }
}

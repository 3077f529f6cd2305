import Foundation
import Hummingbird
import TaskQueue

/// The monitor's charts (DESIGN.md §13), read from the per-minute rollup `task_stats`: it
/// survives restarts and is kept `stats_retention`.
extension APIService {
    /// The ranges the charts offer, each with the width of one point.
    enum StatsRange: String, CaseIterable {
        case hour = "1h", day = "24h", week = "7d"

        var minutes: Int {
            switch self {
            case .hour: return 60
            case .day: return 1440
            case .week: return 10_080
            }
        }

        /// Minutes per point: 60 points for an hour, 144 for a day, 168 for a week.
        var step: Int {
            switch self {
            case .hour: return 1
            case .day: return 10
            case .week: return 60
            }
        }
    }

    var statsRoutes: [Route] {
        [
            Route(.get, "/api/v1/stats/timeseries") { request in
                let range = try statsRange(request)
                return JSONResponse.make(.ok, body: try await timeseries(range, statsScope(request, range)))
            },
            Route(.get, "/api/v1/stats/tasks") { request in
                let range = try statsRange(request)
                return JSONResponse.make(.ok, body: try await taskSummaries(range, statsScope(request, range)))
            },
            Route(.get, "/api/v1/monitor/overview") { request in try await overview(try statsRange(request)) },
        ]
    }

    /// The monitor's overview in one answer, as one refresh needs it (each request costs the
    /// server ~0.4 ms of its own): queue depths, workers online, the throughput of `range`, the
    /// last hour per task name, the five newest dead letters.
    private func overview(_ range: StatsRange) async throws -> Response {
        let now = now()
        let queues = try await store.queueStats().map(Self.json)
        let workers = try await store.workers(seenWithin: WorkerInfo.forgottenAfter)
        let online = workers.filter { isOnline($0, at: now) }.count
        let failures = try await store.jobs(JobFilter(state: .failure, limit: 5)).map { TaskJSON.summary($0, now: now) }
        let body: JSONValue = [
            "queues": .array(queues), "workers": ["online": .int(Int64(online)), "total": .int(Int64(workers.count))],
            "throughput": try await timeseries(range, statsScope(nil, range)),
            "tasks": try await taskSummaries(.hour, statsScope(nil, .hour)),
            "recent_failures": .array(failures),
        ]
        return JSONResponse.make(.ok, body: body)
    }

    private func statsRange(_ request: APIRequest) throws -> StatsRange {
        guard let text = request.query("range") else { return .hour }
        guard let range = StatsRange(rawValue: text) else {
            throw APIError.invalid("'range' must be one of \(StatsRange.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return range
    }

    /// The minutes of `range` up to this one, aligned on the point's width (so that a refresh
    /// keeps the points' boundaries); and the name and queue asked for.
    private func statsScope(_ request: APIRequest?, _ range: StatsRange) -> (minutes: Range<Int>, name: String?, queue: String?) {
        let last = TaskStatsRow.Key(at: now(), name: "", queue: "").minute
        let first = ((last - range.minutes) / range.step + 1) * range.step
        let name = request?.query("name").flatMap { $0.isEmpty ? nil : $0 }
        let queue = request?.query("queue").flatMap { $0.isEmpty ? nil : $0 }
        return (first..<(last + 1), name, queue)
    }

    /// Succeeded, failed, retried and revoked per point, oldest first, every point present
    /// (summed by the database: a week is 10,080 minutes per name and queue).
    private func timeseries(_ range: StatsRange, _ scope: (minutes: Range<Int>, name: String?, queue: String?)) async throws -> JSONValue {
        let first = scope.minutes.lowerBound
        var points = Array(repeating: [0, 0, 0, 0], count: (scope.minutes.count + range.step - 1) / range.step)
        var totals = [0, 0, 0, 0]
        for point in try await statsWindows.throughput(store, minutes: scope.minutes, step: range.step, name: scope.name, queue: scope.queue) {
            let values = [point.succeeded, point.failed, point.retried, point.revoked]
            for field in 0..<4 {
                points[(point.minute - first) / range.step][field] += values[field]
                totals[field] += values[field]
            }
        }
        let fields = ["succeeded", "failed", "retried", "revoked"]
        let encode = { (values: [Int]) -> [String: JSONValue] in
            Dictionary(uniqueKeysWithValues: zip(fields, values.map { JSONValue.int(Int64($0)) }))
        }
        let items: [JSONValue] = points.enumerated().map { index, values in
            var object = encode(values)
            object["t"] = TaskJSON.time(Date(timeIntervalSince1970: Double((first + index * range.step) * 60)))
            return .object(object)
        }
        return [
            "range": .string(range.rawValue), "step_seconds": .int(Int64(range.step * 60)), "points": .array(items),
            "totals": .object(encode(totals)),
        ]
    }

    /// Per task name over the range: outcomes and runtime / wait percentiles.
    private func taskSummaries(_ range: StatsRange, _ scope: (minutes: Range<Int>, name: String?, queue: String?)) async throws -> JSONValue {
        let summaries = try await statsWindows.byName(store, minutes: scope.minutes, name: scope.name, queue: scope.queue)
        let items: [JSONValue] = summaries
            .sorted { ($0.stats.succeeded + $0.stats.failed, $1.stats.key.name) > ($1.stats.succeeded + $1.stats.failed, $0.stats.key.name) }
            .map { summary in
                let row = summary.stats
                return [
                    "name": .string(row.key.name), "queues": .array(summary.queues.map { .string($0) }),
                    "succeeded": .int(Int64(row.succeeded)), "failed": .int(Int64(row.failed)),
                    "retried": .int(Int64(row.retried)), "revoked": .int(Int64(row.revoked)),
                    "runtime": Self.json(row.runtime), "wait": Self.json(row.wait),
                ]
            }
        return ["range": .string(range.rawValue), "items": .array(items), "total": .int(Int64(items.count))]
    }

    /// Seconds, rounded to the microsecond; percentiles interpolated within histogram buckets.
    static func json(_ histogram: DurationHistogram) -> JSONValue {
        let seconds = { (value: Double?) in value.map { JSONValue.double(($0 * 1_000_000).rounded() / 1_000_000) } ?? .null }
        let count = histogram.count
        return [
            "count": .int(Int64(count)), "mean": seconds(count > 0 ? histogram.sum / Double(count) : nil),
            "p50": seconds(histogram.quantile(0.5)), "p95": seconds(histogram.quantile(0.95)),
            "max": seconds(count > 0 ? histogram.max : nil),
        ]
    }
}

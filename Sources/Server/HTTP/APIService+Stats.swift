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
            Route(.get, "/api/v1/stats/timeseries") { request in try await timeseries(request) },
            Route(.get, "/api/v1/stats/tasks") { request in try await taskSummaries(request) },
        ]
    }

    private func statsRange(_ request: APIRequest) throws -> StatsRange {
        guard let text = request.query("range") else { return .hour }
        guard let range = StatsRange(rawValue: text) else {
            throw APIError.invalid("'range' must be one of \(StatsRange.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return range
    }

    /// The rows of `range` up to this minute, of one task name and/or queue if asked; and the
    /// first minute of the first point.
    private func statsRows(_ request: APIRequest, _ range: StatsRange) async throws -> (rows: [TaskStatsRow], first: Int, last: Int) {
        let last = TaskStatsRow.Key(at: now(), name: "", queue: "").minute
        // Points are aligned on their width, so that a refresh keeps their boundaries.
        let first = ((last - range.minutes) / range.step + 1) * range.step
        let name = request.query("name").flatMap { $0.isEmpty ? nil : $0 }
        let queue = request.query("queue").flatMap { $0.isEmpty ? nil : $0 }
        let rows = try await store.taskStats(minutes: first..<(last + 1)).filter { row in
            (name == nil || row.key.name == name) && (queue == nil || row.key.queue == queue)
        }
        return (rows, first, last)
    }

    /// Succeeded, failed, retried and revoked per point, oldest first, every point present.
    private func timeseries(_ request: APIRequest) async throws -> Response {
        let range = try statsRange(request)
        let (rows, first, last) = try await statsRows(request, range)
        let count = (last - first) / range.step + 1
        var points = Array(repeating: [0, 0, 0, 0], count: count)
        var totals = [0, 0, 0, 0]
        for row in rows {
            let index = (row.key.minute - first) / range.step
            let values = [row.succeeded, row.failed, row.retried, row.revoked]
            for field in 0..<4 {
                points[index][field] += values[field]
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
        return JSONResponse.make(
            .ok,
            body: [
                "range": .string(range.rawValue), "step_seconds": .int(Int64(range.step * 60)), "points": .array(items),
                "totals": .object(encode(totals)),
            ])
    }

    /// Per task name over the range: outcomes and runtime / wait percentiles.
    private func taskSummaries(_ request: APIRequest) async throws -> Response {
        let range = try statsRange(request)
        let (rows, _, _) = try await statsRows(request, range)
        var byName: [String: (row: TaskStatsRow, queues: Set<String>)] = [:]
        for row in rows {
            byName[row.key.name, default: (TaskStatsRow(key: .init(minute: 0, name: row.key.name, queue: "")), [])].row.merge(row)
            byName[row.key.name]?.queues.insert(row.key.queue)
        }
        let items: [JSONValue] = byName.values
            .sorted { ($0.row.succeeded + $0.row.failed, $1.row.key.name) > ($1.row.succeeded + $1.row.failed, $0.row.key.name) }
            .map { entry in
                let row = entry.row
                return [
                    "name": .string(row.key.name), "queues": .array(entry.queues.sorted().map { .string($0) }),
                    "succeeded": .int(Int64(row.succeeded)), "failed": .int(Int64(row.failed)),
                    "retried": .int(Int64(row.retried)), "revoked": .int(Int64(row.revoked)),
                    "runtime": Self.json(row.runtime), "wait": Self.json(row.wait),
                ]
            }
        return JSONResponse.make(
            .ok, body: ["range": .string(range.rawValue), "items": .array(items), "total": .int(Int64(items.count))])
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

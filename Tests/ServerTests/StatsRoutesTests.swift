import Foundation
import Testing

@testable import Server
@testable import TaskQueue

/// The monitor's charts over HTTP, from the per-minute rollup (issue 19).
@Suite struct StatsRoutesTests {
    @Test(arguments: APIHarness.Backend.allCases)
    func finishedTasksShowInTheTimeseriesAndThePerTaskPercentiles(backend: APIHarness.Backend) async throws {
        let api = try APIHarness(backend)
        var ids: [String] = []
        try await api.withWorker {
            for _ in 0..<3 {
                ids.append(try #require(try await api.send(.post, "/api/v1/celery/test").json["task_id"]?.stringValue))
            }
            ids.append(
                try #require(
                    try await api.send(.post, "/api/v1/tasks", json: ["name": .string(TestTasks.sleep), "args": ["not a number"]])
                        .json["task_id"]?.stringValue))
            for id in ids {
                try await eventuallyAsync {
                    ["SUCCESS", "FAILURE"].contains(try await api.send(.get, "/api/v1/tasks/\(id)").json["state"]?.stringValue ?? "")
                }
            }
        }
        let series = try await api.send(.get, "/api/v1/stats/timeseries?range=1h")
        #expect(series.status == .ok)
        #expect(series.json["step_seconds"] == 60)
        let points = try #require(series.json["points"]?.arrayValue)
        #expect(points.count == 60)
        #expect(series.json["totals"]?["succeeded"] == 3)
        #expect(series.json["totals"]?["failed"] == 1)
        #expect(points.reduce(0) { $0 + ($1["succeeded"]?.intValue ?? 0) } == 3)

        let day = try await api.send(.get, "/api/v1/stats/timeseries?range=24h&queue=default")
        #expect(day.json["points"]?.arrayValue?.count == 144)
        let other = try await api.send(.get, "/api/v1/stats/timeseries?range=7d&queue=nothing-here")
        #expect(other.json["points"]?.arrayValue?.count == 168)
        #expect(other.json["totals"]?["succeeded"] == 0)

        let tasks = try await api.send(.get, "/api/v1/stats/tasks")
        let items = try #require(tasks.json["items"]?.arrayValue)
        let test = try #require(items.first { $0["name"] == "app.tasks.product_tasks.test_task" })
        #expect(test["succeeded"] == 3)
        #expect(test["runtime"]?["count"] == 3)
        #expect((test["runtime"]?["p95"]?.doubleValue ?? -1) >= 0)
        #expect(test["wait"]?["count"] == 3)
        let sleep = try #require(items.first { $0["name"] == .string(TestTasks.sleep) })
        #expect(sleep["failed"] == 1)

        #expect(try await api.send(.get, "/api/v1/stats/timeseries?range=2h").status == .unprocessableContent)

        // The overview: the same figures in one answer.
        let overview = try await api.send(.get, "/api/v1/monitor/overview?range=24h")
        #expect(overview.status == .ok)
        #expect(overview.json["throughput"]?["step_seconds"] == 600)
        #expect(overview.json["throughput"]?["totals"]?["succeeded"] == 3)
        #expect(overview.json["tasks"]?["range"] == "1h")
        #expect(overview.json["tasks"]?["items"]?.arrayValue?.count == 2)
        #expect(overview.json["recent_failures"]?.arrayValue?.map { $0["task_id"] } == [.string(ids[3])])
        #expect(overview.json["queues"]?.arrayValue?.first?["failed"] == 1)
        #expect(overview.json["workers"]?["online"] == 0)
        #expect(try await api.send(.get, "/api/v1/monitor/overview?range=1d").status == .unprocessableContent)
    }
}

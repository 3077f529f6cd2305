import Foundation
import Hummingbird
import TaskQueue

/// Beat's schedules (DESIGN.md §4): list, run now, enable, disable.
extension APIService {
    var scheduleRoutes: [Route] {
        [
            Route(.get, "/api/v1/schedules") { request in
                let limit = try request.intQuery("limit", default: 100, in: 1...1000)
                let offset = try request.intQuery("offset", default: 0, in: 0...Int(Int32.max))
                let all = try await store.schedules()
                let page = all.dropFirst(offset).prefix(limit).map(Self.json)
                return JSONResponse.make(.ok, body: TaskJSON.list(Array(page), total: all.count, limit: limit, offset: offset))
            },
            Route(.post, "/api/v1/schedules/{name}/run") { request in
                let name = request.parameter("name")
                guard let run = try await store.runScheduleNow(name: name) else { throw Self.unknownSchedule(name) }
                context.client.doorbell.ring()
                return JSONResponse.make(
                    .accepted, body: ["name": .string(name), "task_id": .string(run.taskID), "status": "submitted"])
            },
            Route(.post, "/api/v1/schedules/{name}/enable") { request in
                try await setEnabled(request.parameter("name"), true)
            },
            Route(.post, "/api/v1/schedules/{name}/disable") { request in
                try await setEnabled(request.parameter("name"), false)
            },
        ]
    }

    private func setEnabled(_ name: String, _ enabled: Bool) async throws -> Response {
        guard let record = try await store.setScheduleEnabled(name: name, enabled: enabled) else {
            throw Self.unknownSchedule(name)
        }
        beat?.wake()
        return JSONResponse.make(.ok, body: Self.json(record))
    }

    static func unknownSchedule(_ name: String) -> APIError {
        APIError.notFound("no schedule named '\(name)'")
    }

    public static func json(_ record: ScheduleRecord) -> JSONValue {
        [
            "name": .string(record.name), "task": .string(record.task), "queue": .string(record.queue),
            "priority": .int(Int64(record.priority)), "spec": .string(record.spec), "timezone": .string(record.timezone),
            "enabled": .bool(record.enabled), "configured": .bool(record.configured),
            "next_run": record.enabled ? record.nextRun.map { .string(ISO8601.string($0)) } ?? .null : .null,
            "last_run": record.lastRun.map { .string(ISO8601.string($0)) } ?? .null,
            "last_task_id": record.lastTaskID.map { .string($0) } ?? .null,
        ]
    }
}

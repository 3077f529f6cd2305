import Foundation
import Testing

@testable import Server
@testable import TaskQueue

/// The workers view and its quiet / resume / stop requests over HTTP (issue 19).
@Suite struct WorkerRoutesTests {
    @Test(arguments: APIHarness.Backend.allCases)
    func theWorkersViewShowsHeartbeatPoolsAndRunningTasks(backend: APIHarness.Backend) async throws {
        let api = try APIHarness(backend)
        #expect(try await api.send(.get, "/api/v1/workers").json["items"] == [])
        try await api.withWorker {
            let id = try #require(
                try await api.send(.post, "/api/v1/tasks", json: ["name": .string(TestTasks.sleep), "args": [5]]).json["task_id"]?.stringValue)
            try await eventuallyAsync { try await api.send(.get, "/api/v1/tasks/\(id)").json["state"] == "STARTED" }
            let list = try await api.send(.get, "/api/v1/workers")
            #expect(list.status == .ok)
            #expect(list.json["total"] == 1)
            let worker = try #require(list.json["items"]?.arrayValue?.first)
            #expect(worker["status"] == "online")
            #expect(worker["control"] == .null)
            #expect(worker["pid"] == .int(Int64(ProcessInfo.processInfo.processIdentifier)))
            #expect(worker["registered"]?.arrayValue?.contains(.string(TestTasks.sleep)) == true)
            #expect((worker["concurrency"]?.intValue ?? 0) >= 1)
            let active = try #require(worker["active"]?.arrayValue)
            #expect(active.map { $0["task_id"] } == [.string(id)])
            #expect(active.first?["runtime_seconds"]?.doubleValue ?? -1 >= 0)
            #expect(try await api.send(.post, "/api/v1/tasks/\(id)/revoke").status == .ok)
        }
    }

    @Test(arguments: APIHarness.Backend.allCases)
    func quietHoldsNewTasksResumeReleasesThemStopIsFinal(backend: APIHarness.Backend) async throws {
        let api = try APIHarness(backend)
        try await api.withWorker {
            try await eventuallyAsync { try await api.send(.get, "/api/v1/workers").json["total"] == 1 }
            let name = try #require(try await api.send(.get, "/api/v1/workers").json["items"]?.arrayValue?.first?["name"]?.stringValue)
            let path = "/api/v1/workers/\(name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? name)"

            let quiet = try await api.send(.post, "\(path)/quiet")
            #expect(quiet.status == .ok)
            #expect(quiet.json["control"] == "quiet")
            try await Task.sleep(for: .seconds(Worker.controlPollInterval * 2))
            let id = try #require(try await api.send(.post, "/api/v1/celery/test").json["task_id"]?.stringValue)
            try await Task.sleep(for: .seconds(0.5))
            #expect(try await api.send(.get, "/api/v1/tasks/\(id)").json["state"] == "PENDING")

            #expect(try await api.send(.post, "\(path)/resume").json["control"] == .null)
            try await eventuallyAsync { try await api.send(.get, "/api/v1/tasks/\(id)").json["state"] == "SUCCESS" }

            let stop = try await api.send(.post, "\(path)/stop")
            #expect(stop.json["control"] == "stop")
            let resume = try await api.send(.post, "\(path)/resume")
            #expect(resume.status == .conflict)
            #expect(try await api.send(.post, "\(path)/quiet").status == .conflict)
            // The worker ends on its own and removes its row.
            try await eventuallyAsync { try await api.send(.get, "/api/v1/workers").json["total"] == 0 }
        }
        #expect(try await api.send(.post, "/api/v1/workers/importer@nowhere:1/quiet").status == .notFound)
    }
}

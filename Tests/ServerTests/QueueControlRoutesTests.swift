import Foundation
import Testing

@testable import Server
@testable import TaskQueue

/// Pause/resume a queue and retry dead letters over HTTP (issue 8).
@Suite struct QueueControlRoutesTests {
    @Test(arguments: APIHarness.Backend.allCases)
    func pauseHoldsJobsResumeReleasesThemAndBothShow(backend: APIHarness.Backend) async throws {
        let api = try APIHarness(backend)
        let paused = try await api.send(.post, "/api/v1/queues/default/pause")
        #expect(paused.status == .ok)
        #expect(paused.json["paused"] == true)
        let id = try #require(try await api.send(.post, "/api/v1/celery/test").json["task_id"]?.stringValue)
        try await api.withWorker {
            try await Task.sleep(nanoseconds: 500_000_000)
            #expect(try await api.send(.get, "/api/v1/celery/task/\(id)").json["status"] == "PENDING")
            let queues = try await api.send(.get, "/api/v1/queues")
            let entry = try #require(queues.json["items"]?.arrayValue?.first { $0["name"] == "default" })
            #expect(entry["paused"] == true)
            #expect(entry["waiting"] == 1)
            let metrics = try await api.send(.get, "/metrics")
            #expect(metrics.text.contains(#"importer_queue_paused{queue="default"} 1"#))
            let resumed = try await api.send(.post, "/api/v1/queues/default/resume")
            #expect(resumed.json["paused"] == false)
            try await eventuallyAsync { try await api.send(.get, "/api/v1/celery/task/\(id)").json["status"] == "SUCCESS" }
        }
        let metrics = try await api.send(.get, "/metrics")
        #expect(metrics.text.contains(#"importer_queue_paused{queue="default"} 0"#))
    }

    @Test(arguments: APIHarness.Backend.allCases)
    func retryingADeadLetterRunsALinkedTask(backend: APIHarness.Backend) async throws {
        let api = try APIHarness(backend)
        // A revoked task and a failed one (a non-retryable failure: an unknown argument type).
        let revoked = try #require(try await api.send(.post, "/api/v1/celery/test").json["task_id"]?.stringValue)
        #expect(try await api.send(.delete, "/api/v1/celery/task/\(revoked)").json["state"] == "REVOKED")
        let failed = try #require(
            try await api.send(.post, "/api/v1/tasks", json: ["name": .string(TestTasks.sleep), "args": ["not a number"]])
                .json["task_id"]?.stringValue)
        try await api.withWorker {
            try await eventuallyAsync { try await api.send(.get, "/api/v1/tasks/\(failed)").json["state"] == "FAILURE" }
            let deadLetters = try await api.send(.get, "/api/v1/tasks?state=FAILURE")
            #expect(deadLetters.json["items"]?.arrayValue?.compactMap { $0["task_id"]?.stringValue ?? $0["id"]?.stringValue } == [failed])
            let retry = try await api.send(.post, "/api/v1/tasks/\(revoked)/retry")
            #expect(retry.status == .accepted)
            let newID = try #require(retry.json["task_id"]?.stringValue)
            #expect(retry.json["retry_of"] == .string(revoked))
            try await eventuallyAsync { try await api.send(.get, "/api/v1/tasks/\(newID)").json["state"] == "SUCCESS" }
            #expect(try await api.send(.get, "/api/v1/tasks/\(newID)").json["retry_of"] == .string(revoked))
            #expect(try await api.send(.get, "/api/v1/tasks/\(revoked)").json["retried_as"] == .string(newID))
            let again = try await api.send(.post, "/api/v1/tasks/\(revoked)/retry")
            #expect(again.status == .conflict)
            #expect(try await api.send(.post, "/api/v1/tasks/\(newID)/retry").status == .conflict)
            #expect(try await api.send(.post, "/api/v1/tasks/\(JobID.make())/retry").status == .notFound)
            #expect(try await api.send(.post, "/api/v1/tasks/\(failed)/retry").status == .accepted)
        }
    }
}

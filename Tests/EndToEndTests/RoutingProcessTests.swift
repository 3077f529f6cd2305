import Foundation
import GRDB
import TestSupport
import Testing

@testable import TaskQueue

/// Issue 8 with the real binary: a long import never delays short tasks on `default`, and a
/// pause survives a restart.
@Suite(.serialized) struct RoutingProcessTests {
    @Test func shortTasksFinishWithin100msWhileAnImportOccupiesTheImportsPool() async throws {
        let sandbox = try Sandbox()
        let csv = sandbox.root + "/big.csv"
        try ImportCrashTests.writeProducts(rows: 400_000, to: csv)
        let (server, client) = try await ServeTests().serve(sandbox)
        defer { server.signal(SIGKILL) }
        let store = try sandbox.store()
        let submitted = try await ImporterProcess.run(["import", csv], dataDir: sandbox.dataDir)
        #expect(submitted.status == 0, "\(submitted.log)")
        let importID = try #require(try JSONValue(parsing: submitted.output)["task_id"]?.stringValue)
        #expect(try await eventually(timeout: 20) { try await store.record(importID)?.state.isRunning == true })
        // 100 test tasks, one after another, while the import runs.
        var ids: [String] = []
        for _ in 0..<100 {
            let reply = try client.send("POST", "/api/v1/celery/test")
            ids.append(try #require(reply.json["task_id"]?.stringValue))
            try await Task.sleep(nanoseconds: 5_000_000)
        }
        let lastSubmitted = Date()
        #expect(try await eventually(timeout: 20) {
            try await store.countJobs(JobFilter(state: .success, name: "app.tasks.product_tasks.test_task")) == 100
        })
        var waits: [Double] = []
        for id in ids {
            let record = try #require(try await store.record(id))
            waits.append(try #require(record.dateDone).timeIntervalSince(record.enqueuedAt))
        }
        #expect(waits.allSatisfy { $0 <= 0.1 }, "slowest: \(waits.max() ?? 0) s")
        // The import was still running when the last task was submitted (else this proves nothing).
        #expect(try await eventually(timeout: 60) { try await store.record(importID)?.state == .success })
        let importDone = try #require(try await store.record(importID)?.dateDone)
        #expect(importDone > lastSubmitted, "the import ended before the tasks were submitted")
    }

    @Test func aPausedQueueStaysPausedAcrossARestartAndResumes() async throws {
        let sandbox = try Sandbox()
        let paused = try await ImporterProcess.run(["queue", "pause", "default"], dataDir: sandbox.dataDir)
        #expect(paused.status == 0, "\(paused.log)")
        #expect(try JSONValue(parsing: paused.output)["paused"] == true)
        var (server, client) = try await ServeTests().serve(sandbox)
        let id = try #require(try client.send("POST", "/api/v1/celery/test").json["task_id"]?.stringValue)
        try await Task.sleep(nanoseconds: 700_000_000)
        #expect(try client.send("GET", "/api/v1/celery/task/\(id)").json["status"] == "PENDING")
        server.signal(SIGKILL)
        _ = await server.waitForExit()
        (server, client) = try await ServeTests().serve(sandbox)
        defer { server.signal(SIGKILL) }
        try await Task.sleep(nanoseconds: 700_000_000)
        #expect(try client.send("GET", "/api/v1/celery/task/\(id)").json["status"] == "PENDING")
        let queues = try client.send("GET", "/api/v1/queues")
        #expect(queues.json["items"]?.arrayValue?.first { $0["name"] == "default" }?["paused"] == true)
        #expect(try client.send("POST", "/api/v1/queues/default/resume").status == 200)
        #expect(try await eventually(timeout: 10) { try client.send("GET", "/api/v1/celery/task/\(id)").json["status"] == "SUCCESS" })
        // `importer retry` of an unknown id says so.
        let retry = try await ImporterProcess.run(["retry", JobID.make()], dataDir: sandbox.dataDir)
        #expect(retry.status != 0)
        #expect(retry.log.contains("never existed"))
    }
}

import Foundation
import GRDB
import TestSupport
import Testing

@testable import TaskQueue

/// Misbehaving tasks and crashes with the real binary: time limits, revokes across processes
/// and restarts, purge, and group commit under SIGKILL.
@Suite(.serialized) struct PressureTests {
    @Test func revokeOfAJobRunningInAnotherProcessStopsItWithinASecond() async throws {
        let sandbox = try Sandbox()
        let worker = try await sandbox.startWorker()
        defer { worker.signal(SIGKILL) }
        let store = try sandbox.store()
        let id = try await store.enqueue(NewJob(name: TestTasks.sleep, args: [30])).id
        #expect(try await eventually(timeout: 10) { try await store.record(id)?.state == .started })
        let revoked = Date()
        #expect(try await store.revoke(id: id) == .started)
        #expect(try await eventually(timeout: 5) { try await store.record(id)?.state == .revoked })
        #expect(Date().timeIntervalSince(revoked) < 1.5)
    }

    @Test func revocationsSurviveARestart() async throws {
        // Given a delayed job revoked while no worker runs
        let sandbox = try Sandbox()
        let store = try sandbox.store()
        let delayed = try await store.enqueue(NewJob(name: TestTasks.noop, runAt: Date().addingTimeInterval(1))).id
        let revoke = try await ImporterProcess.run(["revoke", delayed], dataDir: sandbox.dataDir)
        #expect(revoke.status == 0)
        #expect(try JSONValue(parsing: revoke.output)["state"] == "REVOKED")
        // And a running job whose worker is killed, then revoked
        let first = try await sandbox.startWorker(environment: ["IMPORTER_VISIBILITY_TIMEOUT": "1"])
        defer { first.signal(SIGKILL) }
        let running = try await store.enqueue(NewJob(name: TestTasks.sleep, args: [30])).id
        #expect(try await eventually(timeout: 10) { try await store.record(running)?.state == .started })
        first.signal(SIGKILL)
        _ = await first.waitForExit()
        #expect(try await ImporterProcess.run(["revoke", running], dataDir: sandbox.dataDir).status == 0)
        // When a worker starts again
        let second = try await sandbox.startWorker(environment: ["IMPORTER_VISIBILITY_TIMEOUT": "1"])
        defer { second.signal(SIGKILL) }
        // Then neither runs again
        #expect(try await eventually(timeout: 10) { try await store.record(running)?.state == .revoked })
        try await Task.sleep(for: .seconds(1.5))
        #expect(try await store.record(delayed)?.state == .revoked)
        #expect(try await store.record(delayed)?.attempts.isEmpty == true)
        #expect(try await store.record(running)?.attempts.map(\.outcome) == [.lost])
        let unknown = try await ImporterProcess.run(["revoke", JobID.make()], dataDir: sandbox.dataDir)
        #expect(unknown.status != 0)
    }

    @Test func hardTimeLimitReplacesTheSlotOfASpinningBody() async throws {
        let sandbox = try Sandbox()
        let worker = try await sandbox.startWorker(
            ["--queues", "default", "--concurrency", "1"], environment: ["IMPORTER_TIME_LIMIT": "0.5"])
        defer { worker.signal(SIGKILL) }
        let store = try sandbox.store()
        let start = Date()
        let spin = try await store.enqueue(NewJob(name: TestTasks.spin, args: [4])).id
        let next = try await store.enqueue(NewJob(name: TestTasks.noop)).id
        #expect(try await eventually(timeout: 10) { try await store.record(next)?.state == .success })
        #expect(Date().timeIntervalSince(start) < 2)
        let job = try #require(try await store.record(spin))
        #expect(job.state == .failure)
        #expect(job.error?.type == "TimeLimitExceeded")
        #expect(worker.process.isRunning)
    }

    @Test func tooManyRunawaysMakeTheWorkerExitNonZero() async throws {
        let sandbox = try Sandbox()
        let worker = try await sandbox.startWorker(
            environment: ["IMPORTER_TIME_LIMIT": "0.3", "IMPORTER_MAX_RUNAWAY_TASKS": "0"])
        defer { worker.signal(SIGKILL) }
        let store = try sandbox.store()
        _ = try await store.enqueue(NewJob(name: TestTasks.spin, args: [10]))
        let status = await worker.waitForExit(timeout: 10)
        #expect(status != nil && status != 0)
        #expect(worker.log.contains("max_runaway_tasks"))
    }

    @Test func purgeRemovesWaitingJobsAndAsksFirst() async throws {
        let sandbox = try Sandbox()
        let store = try sandbox.store()
        for _ in 0..<3 { _ = try await store.enqueue(NewJob(name: TestTasks.noop, queue: "a")) }
        _ = try await store.enqueue(NewJob(name: TestTasks.noop, queue: "a", runAt: Date().addingTimeInterval(600)))
        _ = try await store.enqueue(NewJob(name: TestTasks.noop, queue: "b"))
        let running = try await store.enqueue(NewJob(name: TestTasks.noop, queue: "a", priority: 9)).id
        _ = try #require(try store.claim(queues: ["a"], worker: "test"))

        // Without --force and without a terminal it refuses.
        let refused = try await ImporterProcess.run(["purge", "--queue", "a"], dataDir: sandbox.dataDir)
        #expect(refused.status != 0)
        #expect(refused.log.contains("--force"))
        #expect(try await store.jobs(JobFilter(queue: "a", limit: 100)).count == 5)

        let forced = try await ImporterProcess.run(["purge", "--queue", "a", "--force"], dataDir: sandbox.dataDir)
        #expect(forced.status == 0)
        #expect(forced.output.contains("purged 4 waiting jobs"))
        #expect(try await store.record(running)?.state == .started)

        // On a terminal it asks, and "y" purges the rest.
        let script = "/usr/bin/script"
        if FileManager.default.isExecutableFile(atPath: script) {
            let shell = Process()
            shell.executableURL = URL(fileURLWithPath: "/bin/sh")
            // The sandbox's database in the PostgreSQL pass (the shell passes the environment on).
            if let url = E2EDatabase.url(forDataDir: sandbox.dataDir) {
                shell.environment = ProcessInfo.processInfo.environment.merging(["IMPORTER_DATABASE_URL": url]) { _, new in new }
            }
            shell.arguments = [
                "-c",
                "echo y | \(script) -qec '\(ImporterProcess.binary.path) purge --data-dir \(sandbox.dataDir)' /dev/null",
            ]
            let pipe = Pipe()
            shell.standardOutput = pipe
            try shell.run()
            try await offCooperativePool { shell.waitUntilExit() }
            let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(shell.terminationStatus == 0)
            #expect(text.contains("[y/N]"))
            #expect(text.contains("purged 1 waiting job from every queue"))
        }
    }

    @Test(.tags(.sqliteOnly), .enabled(if: E2EDatabase.isSQLite, "SQLite's group-commit writer"))
    func groupCommitLosesNoCommittedJobWhenKilled() async throws {
        // Given 50 concurrent enqueuers and 2 worker slots in one process
        let sandbox = try Sandbox()
        let environment = Sandbox.testTasks.merging(["IMPORTER_VISIBILITY_TIMEOUT": "1"]) { _, new in new }
        let load = try ImporterProcess(
            ["bench", "load", "--enqueuers", "50", "--jobs", "400"], dataDir: sandbox.dataDir, environment: environment)
        defer { load.signal(SIGKILL) }
        #expect(await load.waitForLog("worker_ready"))
        // When it is killed at a random moment
        try await Task.sleep(for: .milliseconds(Int.random(in: 200...1200)))
        load.signal(SIGKILL)
        _ = await load.waitForExit()
        let received = load.output.split(separator: "\n").map(String.init).filter { $0.count == 36 }
        #expect(received.count > 0)
        // Then after a worker drains what is left, every id a caller received exists and
        // every job succeeded exactly once
        let worker = try await sandbox.startWorker(environment: ["IMPORTER_VISIBILITY_TIMEOUT": "1"])
        defer { worker.signal(SIGKILL) }
        let store = try SQLiteQueueStore(path: sandbox.dataDir + "/queue.sqlite")
        let settled = try await eventually(timeout: 60) {
            try await store.pool.read { db in
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM jobs WHERE state <> 'SUCCESS'")
            } == 0
        }
        #expect(settled)
        let (stored, doubleSuccess) = try await store.pool.read { db in
            (
                Set(try String.fetchAll(db, sql: "SELECT id FROM jobs")),
                try Int.fetchOne(
                    db,
                    sql: """
                        SELECT COUNT(*) FROM (SELECT job_id FROM attempts WHERE outcome = 'SUCCESS'
                        GROUP BY job_id HAVING COUNT(*) > 1)
                        """)
            )
        }
        let missing = Set(received).subtracting(stored)
        #expect(missing.isEmpty, "\(missing.count) committed ids lost of \(received.count)")
        #expect(doubleSuccess == 0)
    }
}

import Foundation
import GRDB
import TestSupport
import Testing

@testable import TaskQueue

/// Beat in the real binary: two processes with a beat on one data directory enqueue each due
/// run once; `--no-beat` runs none; `importer schedules` lists and changes them.
@Suite(.serialized) struct BeatProcessTests {
    static let schedule = #"[{"name": "tick", "task": "importer.testing.noop", "every": 1}]"#

    @Test func twoProcessesWithABeatEnqueueEachDueRunOnce() async throws {
        let sandbox = try Sandbox()
        let environment = ["IMPORTER_SCHEDULES": Self.schedule]
        let first = try await sandbox.startWorker(environment: environment)
        let second = try await sandbox.startWorker(environment: environment)
        defer { [first, second].forEach { $0.signal(SIGKILL) } }
        #expect(await first.waitForLog("beat_ready"))
        #expect(await second.waitForLog("beat_ready"))
        try await Task.sleep(nanoseconds: 4_500_000_000)
        let jobs = try await sandbox.queueCount("SELECT COUNT(*) FROM jobs WHERE name = 'importer.testing.noop'")
        let runs = try await sandbox.queueCount("SELECT COUNT(*) FROM schedule_runs WHERE schedule = 'tick'")
        let dues = try await sandbox.queueCount("SELECT COUNT(DISTINCT due) FROM schedule_runs WHERE schedule = 'tick'")
        // About one run a second, each due time once, each run one job.
        #expect((3...6).contains(runs), "\(runs) runs")
        #expect(dues == runs)
        #expect(jobs == runs)
        // Both processes fired some (they race), and the jobs ran.
        let succeeded = try await eventually(timeout: 10) {
            try await sandbox.queueCount("SELECT COUNT(*) FROM jobs WHERE name = 'importer.testing.noop' AND state = 'SUCCESS'") >= runs
        }
        #expect(succeeded)
        // Graceful shutdown stops the beat too.
        first.signal(SIGTERM)
        #expect(await first.waitForExit() == 0)
        #expect(first.log.contains("beat_stopped"))
    }

    @Test func noBeatRunsNoScheduleAndTheCLIListsAndChangesThem() async throws {
        let sandbox = try Sandbox()
        let environment = ["IMPORTER_SCHEDULES": Self.schedule, "IMPORTER_ENABLE_TEST_TASKS": "true"]
        let worker = try await sandbox.startWorker(["--no-beat"], environment: environment)
        defer { worker.signal(SIGKILL) }
        try await Task.sleep(nanoseconds: 2_000_000_000)
        #expect(!worker.log.contains("beat_ready"))
        let store = try sandbox.store()
        #expect(try await store.countJobs(JobFilter()) == 0)

        let list = try await ImporterProcess.run(["schedules"], dataDir: sandbox.dataDir, environment: environment)
        #expect(list.status == 0, "\(list.log)")
        let items = try #require(try JSONValue(parsing: Data(list.output.utf8)).arrayValue)
        #expect(items.compactMap { $0["name"]?.stringValue } == ["cleanup_old_imports", "result_expiry", "tick"])
        let disabled = try await ImporterProcess.run(["schedules", "disable", "tick"], dataDir: sandbox.dataDir, environment: environment)
        #expect(disabled.status == 0)
        #expect(try await store.schedules().first { $0.name == "tick" }?.enabled == false)
        let run = try await ImporterProcess.run(["schedules", "run", "tick"], dataDir: sandbox.dataDir, environment: environment)
        #expect(run.status == 0)
        #expect(try await store.countJobs(JobFilter()) == 1)
        let unknown = try await ImporterProcess.run(["schedules", "run", "nope"], dataDir: sandbox.dataDir, environment: environment)
        #expect(unknown.status != 0)
        #expect(unknown.log.contains("no schedule named 'nope'"))
        // A bad schedule is a start-up error naming it.
        let bad = try await ImporterProcess.run(
            ["worker"], dataDir: sandbox.dataDir,
            environment: ["IMPORTER_SCHEDULES": #"[{"name": "late", "task": "x", "cron": "0 25 * * *"}]"#])
        #expect(bad.status != 0)
        #expect(bad.log.contains("schedule 'late'"), "\(bad.log)")
    }
}

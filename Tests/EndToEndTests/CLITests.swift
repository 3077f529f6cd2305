import Foundation
import GRDB
import TestSupport
import Testing

@testable import TaskQueue

/// The command line: one clear line and a non-zero exit for every mistake.
@Suite(.serialized) struct CLITests {
    @Test func callWaitPrintsTheResultOrTheError() async throws {
        let sandbox = try Sandbox()
        let environment = ["IMPORTER_ENABLE_TEST_TASKS": "true", "IMPORTER_MAX_RETRIES": "0"]
        let worker = try ImporterProcess(["worker"], dataDir: sandbox.dataDir, environment: environment)
        defer { worker.signal(SIGKILL) }
        #expect(await worker.waitForLog("worker_ready"))

        let ok = try await ImporterProcess.run(
            ["call", "app.tasks.product_tasks.test_task", "--wait"], dataDir: sandbox.dataDir, environment: environment)
        #expect(ok.status == 0)
        let result = try JSONValue(parsing: ok.output)
        #expect(result["message"] == "Worker is functioning correctly!")

        let failed = try await ImporterProcess.run(
            ["call", "importer.testing.fail", "--args", "[1]", "--wait"], dataDir: sandbox.dataDir,
            environment: environment)
        #expect(failed.status != 0)
        #expect(failed.log.contains("RetryableError"))
        #expect(failed.log.split(separator: "\n").count == 1)

        // Stats come from the heartbeat, written every 2 s at most.
        let counted = try await eventually(timeout: 10) {
            let stats = try await ImporterProcess.run(["inspect", "stats"], dataDir: sandbox.dataDir, environment: environment)
            let workerStats = try JSONValue(parsing: stats.output).objectValue?.values.first
            return stats.status == 0 && workerStats?["total"]?["app.tasks.product_tasks.test_task"] == 1
        }
        #expect(counted)
        let ping = try await ImporterProcess.run(["inspect", "ping"], dataDir: sandbox.dataDir)
        #expect(ping.status == 0)
    }

    @Test func productsDeleteAllWaitsForTheEndAndRefusesWithoutForceOffATerminal() async throws {
        let sandbox = try Sandbox()
        let worker = try ImporterProcess(["worker"], dataDir: sandbox.dataDir)
        defer { worker.signal(SIGKILL) }
        #expect(await worker.waitForLog("worker_ready"))
        let csv = sandbox.root + "/products.csv"
        try "sku,name\nA,1\nB,2\nC,3\n".write(toFile: csv, atomically: true, encoding: .utf8)
        #expect(try await ImporterProcess.run(["import", csv, "--wait"], dataDir: sandbox.dataDir).status == 0)
        // Standard input is not a terminal here: without --force nothing is deleted
        let refused = try await ImporterProcess.run(["products", "delete-all"], dataDir: sandbox.dataDir)
        #expect(refused.status != 0)
        #expect(refused.log.contains("--force"))
        let wrongCount = try await ImporterProcess.run(
            ["products", "delete-all", "--force", "--expected-total", "2"], dataDir: sandbox.dataDir)
        #expect(wrongCount.status != 0)
        #expect(wrongCount.log.contains("expected_total is 2"))
        let deleted = try await ImporterProcess.run(["products", "delete-all", "--force", "--wait"], dataDir: sandbox.dataDir)
        #expect(deleted.status == 0, "\(deleted.log)")
        let result = try JSONValue(parsing: deleted.output)
        #expect(result["deleted_count"] == 3)
        #expect(result["message"] == "Successfully deleted 3 products")
    }

    @Test(arguments: [
        ["call", "no.such.task"],
        ["call", "app.tasks.product_tasks.test_task", "--args", "{"],
        ["inspect", "bogus"],
        ["worker", "--no-such-flag"],
        ["inspect", "ping"],
        ["worker", "--database-url", "mysql://h/db"],
        ["migrate", "--database-url", "postgres://postgres@127.0.0.1:1/postgres?sslmode=disable"],
        ["backup", "/tmp/never", "--database-url", "postgres://h/db"],
        ["restore", "/tmp/never", "--database-url", "postgres://h/db"],
    ])
    func mistakesAreOneLineAndNonZero(arguments: [String]) async throws {
        let sandbox = try Sandbox()
        let run = try await ImporterProcess.run(arguments, dataDir: sandbox.dataDir)
        #expect(run.status != 0)
        #expect(run.log.split(separator: "\n").count == 1, "\(run.log)")
        #expect(run.log.hasPrefix("importer: "))
    }

    /// With the queue on PostgreSQL, backup and restore (SQLite copies) point at pg_dump; an
    /// unreachable server is named as such.
    @Test func postgresMistakesSayWhatToDo() async throws {
        let sandbox = try Sandbox()
        let backup = try await ImporterProcess.run(
            ["backup", sandbox.root + "/b", "--database-url", "postgres://u@db.example/shop?schema=tenant"], dataDir: sandbox.dataDir)
        #expect(backup.log.contains("pg_dump --schema=tenant"), "\(backup.log)")
        let unreachable = try await ImporterProcess.run(
            ["migrate", "--database-url", "postgres://postgres@127.0.0.1:1/postgres?sslmode=disable"], dataDir: sandbox.dataDir)
        #expect(unreachable.log.contains("the PostgreSQL server cannot be reached"), "\(unreachable.log)")
        let bad = try await ImporterProcess.run(["migrate", "--database-url", "postgres://h/db?pool_size=x"], dataDir: sandbox.dataDir)
        #expect(bad.log.contains("--database-url") && bad.log.contains("pool_size"), "\(bad.log)")
    }

    @Test func versionSaysTheReleaseAndTheCommit() async throws {
        let sandbox = try Sandbox()
        let run = try await ImporterProcess.run(["--version"], dataDir: sandbox.dataDir)
        #expect(run.status == 0)
        // A build by scripts/release.sh names its git commit; `swift build` says dev.
        #expect(run.output.trimmingCharacters(in: .whitespacesAndNewlines) == "importer 0.1.0 (commit dev)", "\(run.output)\(run.log)")
    }

    @Test func badConfigurationNamesTheKey() async throws {
        let sandbox = try Sandbox()
        let run = try await ImporterProcess.run(
            ["worker"], dataDir: sandbox.dataDir, environment: ["IMPORTER_MAX_DELIVERIES": "zero"])
        #expect(run.status != 0)
        #expect(run.log.contains("IMPORTER_MAX_DELIVERIES"))
        try "{\"visibility_timeout\": -3}".write(toFile: sandbox.root + "/config.json", atomically: true, encoding: .utf8)
        let fromFile = try await ImporterProcess.run(["migrate"], dataDir: sandbox.dataDir)
        #expect(fromFile.status != 0)
        #expect(fromFile.log.contains("visibility_timeout"))
    }

    @Test(.tags(.sqliteOnly), .enabled(if: E2EDatabase.isSQLite, "catalog.sqlite's pages"))
    func migrateRebuildsACatalogueOnOldPagesOnceTheApplianceIsStopped() async throws {
        let sandbox = try Sandbox()
        // A catalogue as builds from issue 23 to 2026-12-05 made it: 16 KiB pages, WAL.
        let old = try DatabaseQueue(path: sandbox.dataDir + "/catalog.sqlite")
        try await old.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA page_size = 16384")
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "CREATE TABLE marker (x INTEGER); INSERT INTO marker VALUES (42)")
        }
        try old.close()
        let worker = try ImporterProcess(["worker"], dataDir: sandbox.dataDir)
        defer { worker.signal(SIGKILL) }
        #expect(await worker.waitForLog("catalog_pages_old"), "\(worker.log)")
        #expect(await worker.waitForLog("worker_ready"))
        let refused = try await ImporterProcess.run(["migrate"], dataDir: sandbox.dataDir)
        #expect(refused.status != 0)
        #expect(refused.log.split(separator: "\n").count == 1, "\(refused.log)")
        #expect(refused.log.contains("stop the appliance"), "\(refused.log)")
        worker.signal(SIGTERM)
        #expect(await worker.waitForExit(timeout: 30) == 0)

        let migrated = try await ImporterProcess.run(["migrate"], dataDir: sandbox.dataDir)
        #expect(migrated.status == 0, "\(migrated.log)")
        #expect(migrated.output.contains("on 4 KiB pages (it had 16 KiB)"), "\(migrated.output)")
        let again = try await ImporterProcess.run(["migrate"], dataDir: sandbox.dataDir)
        #expect(again.status == 0)
        #expect(!again.output.contains("rebuilt"), "\(again.output)")
        let rebuilt = try DatabaseQueue(path: sandbox.dataDir + "/catalog.sqlite")
        let (pages, marker, migratedTables) = try await rebuilt.read { db in
            (try Int.fetchOne(db, sql: "PRAGMA page_size"), try Int.fetchOne(db, sql: "SELECT x FROM marker"), try db.tableExists("products"))
        }
        try rebuilt.close()
        #expect(pages == 4096)
        #expect(marker == 42)
        #expect(migratedTables)
    }

    @Test(.tags(.sqliteOnly), .enabled(if: E2EDatabase.isSQLite, "a damaged queue.sqlite"))
    func unreadableDatabaseIsAClearError() async throws {
        let sandbox = try Sandbox()
        try "this is not a database".write(toFile: sandbox.dataDir + "/queue.sqlite", atomically: true, encoding: .utf8)
        let run = try await ImporterProcess.run(["inspect", "stats"], dataDir: sandbox.dataDir)
        #expect(run.status != 0)
        #expect(run.log.split(separator: "\n").count == 1, "\(run.log)")
        #expect(run.log.contains("queue.sqlite"))
    }
}

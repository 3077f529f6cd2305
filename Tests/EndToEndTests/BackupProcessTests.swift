import Foundation
import GRDB
import TestSupport
import Testing

@testable import TaskQueue

/// `importer backup DIR` while `importer serve` runs and writes, then `importer restore DIR`
/// into a stopped appliance (issue 10, operations).
@Suite(.serialized, .tags(.sqliteOnly), .enabled(if: E2EDatabase.isSQLite, "importer backup copies SQLite files (pg_dump on PostgreSQL)")) struct BackupProcessTests {
    @Test func anOnlineBackupRestoresIntoAWorkingAppliance() async throws {
        let sandbox = try Sandbox()
        let csv = sandbox.root + "/small.csv"
        try ImportCrashTests.writeProducts(rows: 20_000, to: csv)
        let (server, client) = try await ServeTests().serve(sandbox)
        let imported = try await ImporterProcess.run(["import", csv, "--wait"], dataDir: sandbox.dataDir)
        #expect(imported.status == 0, "\(imported.log)")
        let done = try #require(try client.send("POST", "/api/v1/celery/test").json["task_id"]?.stringValue)
        #expect(try await eventually(timeout: 10) { try client.send("GET", "/api/v1/celery/task/\(done)").json["status"] == "SUCCESS" })
        let products = try ImportCrashTests.products(sandbox.dataDir)
        // Writes continue while the backup runs.
        let writer = Task {
            for _ in 0..<50 {
                _ = try? client.send("POST", "/api/v1/celery/test")
                try? await Task.sleep(nanoseconds: 5_000_000)
            }
        }
        let backupDir = sandbox.root + "/backup"
        let backup = try await ImporterProcess.run(["backup", backupDir], dataDir: sandbox.dataDir)
        await writer.value
        #expect(backup.status == 0, "\(backup.log)")
        #expect(try JSONValue(parsing: backup.output)["files"]?.arrayValue?.allSatisfy { $0["integrity"] == "ok" } == true)
        // Restoring over a running appliance is refused.
        let refused = try await ImporterProcess.run(["restore", backupDir], dataDir: sandbox.dataDir)
        #expect(refused.status != 0)
        #expect(refused.log.contains("stop the appliance first"), "\(refused.log)")
        server.signal(SIGTERM)
        _ = await server.waitForExit()

        // Into a fresh data directory: the products and the finished task are there.
        let target = try Sandbox()
        let restore = try await ImporterProcess.run(["restore", backupDir], dataDir: target.dataDir)
        #expect(restore.status == 0, "\(restore.log)")
        #expect(try ImportCrashTests.products(target.dataDir) == products)
        let (restored, restoredClient) = try await ServeTests().serve(target)
        defer { restored.signal(SIGKILL) }
        #expect(try restoredClient.send("GET", "/api/v1/celery/task/\(done)").json["status"] == "SUCCESS")
        let again = try #require(try restoredClient.send("POST", "/api/v1/celery/test").json["task_id"]?.stringValue)
        #expect(try await eventually(timeout: 10) { try restoredClient.send("GET", "/api/v1/celery/task/\(again)").json["status"] == "SUCCESS" })
    }
}

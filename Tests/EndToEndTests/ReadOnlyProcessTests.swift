import Foundation
import GRDB
import TestSupport
import Testing

@testable import TaskQueue

/// The data directory turned read-only under a running appliance, on a loop-mounted ext4
/// (skipped with a message where loop devices or mounting are not permitted): writes get a
/// clear 503 `storage_read_only`, reads keep working, `/healthz` says why, `inspect` and
/// `backup` still read the stopped appliance's data, nothing committed is lost and the
/// databases pass `PRAGMA integrity_check`.
@Suite(.serialized, .tags(.sqliteOnly), .enabled(if: E2EDatabase.isSQLite, "read-only SQLite files and data directories")) struct ReadOnlyProcessTests {
    static let submit = #"{"name": "importer.testing.noop"}"#
    static let submitLater = #"{"name": "importer.testing.noop", "countdown": 3600}"#
    static let json = ["Content-Type": "application/json"]
    static let csv = "sku,name,description\nRO-1,One,first\nRO-2,Two,second\nRO-3,Three,third\n"

    @Test func aDiskThatFailsReadOnlyIsAClear503AndLosesNothing() async throws {
        guard let disk = LoopFilesystem() else { return skip("a loop-mounted ext4 is not permitted here") }
        defer { disk.destroy() }
        guard let trigger = disk.errorTrigger else { return skip("ext4's trigger_fs_error cannot be written here") }
        let sandbox = try Sandbox(root: disk.mountPoint + "/e2e")
        // `full`: the failed disk writes nothing more, so only what was fsynced survives it.
        let environment = ["IMPORTER_SYNCHRONOUS": "full"]
        var (server, client) = try await ServeTests().serve(sandbox, environment: environment)
        defer { server.signal(SIGKILL) }
        let accepted = try submitMixedLoad(client, count: 100)
        let importTask = try importSmallCSV(client)
        #expect(try await eventually(timeout: 20) { try client.send("GET", "/api/v1/products").json["total"] == 3 })
        #expect(try await eventually(timeout: 20) {
            try client.send("GET", "/api/v1/products/upload/\(importTask)/status").json["state"] == "Completed"
        })

        try disk.failDisk(trigger: trigger)
        #expect(try await eventually(timeout: 5) { disk.refusesWrites }, "the filesystem did not turn read-only")
        #expect(kill(server.pid, 0) == 0, "the appliance died: \(server.log.suffix(2000))")
        try expectWritesRefused(client, reason: "Read-only file system")
        try expectReadsWork(client, task: try #require(accepted.last), healthReason: "Read-only file system")
        #expect(kill(server.pid, 0) == 0, "the appliance died: \(server.log)")

        // A graceful stop still ends the process on a failed disk.
        server.signal(SIGTERM)
        #expect(await server.waitForExit(timeout: 40) != nil, "the appliance did not stop")
        try await expectCommandsReadTheFailedDisk(sandbox, accepted: accepted)
        #expect(disk.repairAndRemount(), "e2fsck or mount failed")
        let ids = try await expectIntact(sandbox)
        #expect(Set(accepted).isSubset(of: ids), "a committed job was lost: \(Set(accepted).subtracting(ids).count)")

        // Repaired, the appliance takes writes again.
        (server, client) = try await ServeTests().serve(sandbox, environment: environment)
        #expect(try client.send("POST", "/api/v1/tasks", headers: Self.json, body: Self.submit).status == 202)
        #expect(try client.send("GET", "/api/v1/products").json["total"] == 3)
    }

    @Test func immutableDatabaseFilesAreA503UntilWritableAgain() async throws {
        guard let disk = LoopFilesystem() else { return skip("a loop-mounted ext4 is not permitted here") }
        defer { disk.destroy() }
        let sandbox = try Sandbox(root: disk.mountPoint + "/e2e")
        let (server, client) = try await ServeTests().serve(sandbox)
        defer { server.signal(SIGKILL) }
        let accepted = try submitMixedLoad(client, count: 50)
        let files = ["queue.sqlite", "queue.sqlite-wal", "catalog.sqlite", "catalog.sqlite-wal"]
            .map { "'\(sandbox.dataDir)/\($0)'" }.joined(separator: " ")
        // The shared-memory index (`-shm`) stays writable: readers need it.
        #expect(Shell.run("chattr +i \(files)") == 0)
        try expectWritesRefused(client, reason: "queue.sqlite cannot be written")
        try expectReadsWork(client, task: try #require(accepted.last), healthReason: "cannot be written")
        #expect(kill(server.pid, 0) == 0, "the appliance died: \(server.log)")

        // Writable again: the same process takes writes and runs jobs, with no restart.
        #expect(Shell.run("chattr -i \(files)") == 0)
        let later = try client.send("POST", "/api/v1/tasks", headers: Self.json, body: Self.submit)
        #expect(later.status == 202)
        let id = try #require(later.json["task_id"]?.stringValue)
        #expect(try await eventually(timeout: 10) { try client.send("GET", "/api/v1/tasks/\(id)").json["state"] == "SUCCESS" })
        #expect(try client.send("GET", "/healthz").status == 200)
        let upload = try client.send("POST", "/api/v1/products/upload", headers: ["Content-Type": "text/csv"], body: Self.csv)
        #expect(upload.status == 202)
        server.signal(SIGTERM)
        #expect(await server.waitForExit(timeout: 40) != nil)
        let ids = try await expectIntact(sandbox)
        #expect(Set(accepted + [id]).isSubset(of: ids), "a committed job was lost")
    }

    // MARK: - Steps

    /// Half run at once, half delayed (so some stay PENDING through the fault).
    private func submitMixedLoad(_ client: HTTPClient, count: Int) throws -> [String] {
        try (0..<count).map { index in
            let reply = try client.send("POST", "/api/v1/tasks", headers: Self.json, body: index % 2 == 0 ? Self.submit : Self.submitLater)
            #expect(reply.status == 202)
            return try #require(reply.json["task_id"]?.stringValue)
        }
    }

    private func importSmallCSV(_ client: HTTPClient) throws -> String {
        let reply = try client.send("POST", "/api/v1/products/upload", headers: ["Content-Type": "text/csv"], body: Self.csv)
        #expect(reply.status == 202)
        return try #require(reply.json["task_id"]?.stringValue)
    }

    /// With the appliance stopped and the disk still failed: `inspect` and `backup` open the
    /// databases read-only and work; a command that writes exits non-zero with one line saying why.
    private func expectCommandsReadTheFailedDisk(_ sandbox: Sandbox, accepted: [String]) async throws {
        let elsewhere = try Sandbox()
        let scheduled = try await ImporterProcess.run(["inspect", "scheduled"], dataDir: sandbox.dataDir, logDirectory: elsewhere.root)
        #expect(scheduled.status == 0, "\(scheduled.log)")
        #expect(scheduled.log.contains("opened_read_only"), "\(scheduled.log)")
        let delayed = try JSONValue(parsing: scheduled.output).arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
        #expect(Set(delayed) == Set(accepted.enumerated().filter { $0.offset % 2 == 1 }.map(\.element)), "\(scheduled.output)")

        let backupDir = elsewhere.root + "/backup"
        let backup = try await ImporterProcess.run(["backup", backupDir], dataDir: sandbox.dataDir, logDirectory: elsewhere.root)
        #expect(backup.status == 0, "\(backup.log)")
        #expect(try JSONValue(parsing: backup.output)["files"]?.arrayValue?.allSatisfy { $0["integrity"] == "ok" } == true)
        let copied = try await DatabaseQueue(path: backupDir + "/queue.sqlite").read { db in Set(try String.fetchAll(db, sql: "SELECT id FROM jobs")) }
        #expect(Set(accepted).isSubset(of: copied), "the backup lost a committed job")
        let products = try await DatabaseQueue(path: backupDir + "/catalog.sqlite").read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM products") }
        #expect(products == 3)

        let call = try await ImporterProcess.run(["call", "importer.testing.noop"], dataDir: sandbox.dataDir, logDirectory: elsewhere.root)
        #expect(call.status != 0)
        let lines = call.log.split(separator: "\n").filter { $0.hasPrefix("importer: ") }
        #expect(lines.count == 1, "\(call.log)")
        #expect(lines.first?.contains("Read-only file system") == true && lines.first?.contains("importer inspect") == true, "\(call.log)")
    }

    /// Submissions, uploads and queue control answer 503 `storage_read_only` with the reason.
    private func expectWritesRefused(_ client: HTTPClient, reason: String) throws {
        let writes = [
            try client.send("POST", "/api/v1/tasks", headers: Self.json, body: Self.submit),
            try client.send("POST", "/api/v1/products/upload", headers: ["Content-Type": "text/csv"], body: Self.csv),
            try client.send("POST", "/api/v1/queues/default/pause"),
        ]
        for reply in writes {
            #expect(reply.status == 503, "\(reply.text)")
            #expect(reply.json["error"]?["code"] == "storage_read_only", "\(reply.text)")
            #expect(reply.json["error"]?["message"]?.stringValue?.contains(reason) == true, "\(reply.text)")
        }
    }

    private func expectReadsWork(_ client: HTTPClient, task: String, healthReason: String) throws {
        #expect(try client.send("GET", "/api/v1/tasks/\(task)").status == 200)
        #expect(try client.send("GET", "/api/v1/tasks?limit=5").status == 200)
        #expect(try client.send("GET", "/api/v1/queues").json["items"]?.arrayValue?.first?["paused"] == false)
        #expect(try client.send("GET", "/api/v1/products?limit=2").status == 200)
        let health = try client.send("GET", "/healthz")
        #expect(health.status == 503)
        #expect(health.json["database"] == "read_only")
        #expect(health.json["reason"]?.stringValue?.contains(healthReason) == true, "\(health.text)")
    }

    /// Both databases pass `PRAGMA integrity_check`; returns the stored job ids.
    private func expectIntact(_ sandbox: Sandbox) async throws -> Set<String> {
        let catalog = try DatabaseQueue(path: sandbox.dataDir + "/catalog.sqlite")
        #expect(try await catalog.read { try String.fetchOne($0, sql: "PRAGMA integrity_check") } == "ok")
        let queue = try DatabaseQueue(path: sandbox.dataDir + "/queue.sqlite")
        return try await queue.read { db in
            #expect(try String.fetchOne(db, sql: "PRAGMA integrity_check") == "ok")
            return Set(try String.fetchAll(db, sql: "SELECT id FROM jobs"))
        }
    }

    private func skip(_ why: String) {
        FileHandle.standardError.write(Data("ReadOnlyProcessTests: skipped, \(why)\n".utf8))
    }
}

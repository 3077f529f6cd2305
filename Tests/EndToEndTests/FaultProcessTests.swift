import Foundation
import GRDB
import TestSupport
import Testing

@testable import TaskQueue

/// The data directory on a full filesystem (a 4 MiB tmpfs; skipped where mounting is not
/// permitted): submissions get a clear 507, reads keep working, nothing committed is lost, and
/// once space is freed writes resume and the databases pass `PRAGMA integrity_check`.
@Suite(.serialized, .tags(.sqliteOnly), .enabled(if: E2EDatabase.isSQLite, "a full disk under the SQLite files")) struct FaultProcessTests {
    @Test func aFullDiskIsAClear507AndLosesNothing() async throws {
        let mountPoint = FileManager.default.temporaryDirectory.appendingPathComponent("full-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        let mount = Shell.run("mount -t tmpfs -o size=4m tmpfs '\(mountPoint)'")
        guard mount == 0 else {
            // Containers without CAP_SYS_ADMIN cannot mount: documented in RELIABILITY.md.
            FileHandle.standardError.write(Data("FaultProcessTests: skipped, mounting a tmpfs is not permitted here\n".utf8))
            try? FileManager.default.removeItem(atPath: mountPoint)
            return
        }
        defer {
            Shell.run("umount -l '\(mountPoint)'")
            try? FileManager.default.removeItem(atPath: mountPoint)
        }
        let filler = mountPoint + "/filler"
        _ = FileManager.default.createFile(atPath: filler, contents: Data(count: 1 << 20))
        let sandbox = try Sandbox(root: mountPoint)
        let (server, client) = try await ServeTests().serve(sandbox, environment: ["IMPORTER_VISIBILITY_TIMEOUT": "30"])
        defer { server.signal(SIGKILL) }
        // Delayed jobs, so that the workers leave them alone while the disk fills.
        var accepted: [String] = []
        var statuses: [Int: Int] = [:]
        for _ in 0..<5000 {
            let reply = try client.send(
                "POST", "/api/v1/tasks", headers: ["Content-Type": "application/json"],
                body: #"{"name": "importer.testing.noop", "countdown": 3600, "kwargs": {"pad": "\#(String(repeating: "x", count: 2000))"}}"#)
            statuses[reply.status, default: 0] += 1
            if reply.status == 202, let id = reply.json["task_id"]?.stringValue { accepted.append(id) }
            if reply.status == 507 {
                #expect(reply.json["error"]?["code"] == "storage_full")
                if statuses[507, default: 0] >= 3 { break }
            }
        }
        #expect(statuses[507, default: 0] >= 1, "the disk never filled: \(statuses)")
        #expect(Set(statuses.keys).isSubset(of: [202, 507]), "\(statuses)")
        // Reads keep working.
        #expect(try client.send("GET", "/api/v1/queues").status == 200)
        #expect(try client.send("GET", "/api/v1/tasks/\(try #require(accepted.last))").status == 200)
        // An upload is refused the same way, and leaves no partial file behind.
        let upload = try client.send(
            "POST", "/api/v1/products/upload", headers: ["Content-Type": "text/csv"],
            body: "sku,name,description\n" + String(repeating: "FULL-1,name,description\n", count: 40_000))
        #expect(upload.status == 507, "\(upload.text)")
        #expect(upload.json["error"]?["code"] == "storage_full")
        #expect(try FileManager.default.contentsOfDirectory(atPath: sandbox.dataDir + "/uploads").isEmpty)
        // With the last blocks taken, the health check says so.
        let rest = mountPoint + "/rest"
        Shell.run("cat /dev/zero > '\(rest)'")
        let health = try client.send("GET", "/healthz")
        #expect(health.status == 503)
        #expect(health.json["database"] == "full", "\(health.text)")
        // Space comes back: writes resume.
        try FileManager.default.removeItem(atPath: rest)
        try FileManager.default.removeItem(atPath: filler)
        #expect(try client.send("GET", "/healthz").status == 200)
        let again = try client.send("POST", "/api/v1/tasks", headers: ["Content-Type": "application/json"], body: #"{"name": "importer.testing.noop"}"#)
        #expect(again.status == 202)
        server.signal(SIGTERM)
        _ = await server.waitForExit()
        let queue = try DatabaseQueue(path: sandbox.dataDir + "/queue.sqlite")
        let (check, ids) = try await queue.read { db in
            (try String.fetchOne(db, sql: "PRAGMA integrity_check"), Set(try String.fetchAll(db, sql: "SELECT id FROM jobs")))
        }
        #expect(check == "ok")
        #expect(Set(accepted).isSubset(of: ids), "a committed job was lost")
        FileHandle.standardError.write(Data("FaultProcessTests: \(accepted.count) jobs accepted, then \(statuses[507, default: 0]) × 507\n".utf8))
    }
}

import Foundation
import TestSupport
import Testing

@testable import TaskQueue

/// The catalogue's WAL stays bounded during a large import while SSE clients follow it
/// (issue 10, operations): readers holding snapshots must not stop checkpoints from recycling it.
@Suite(.serialized, .tags(.sqliteOnly), .enabled(if: E2EDatabase.isSQLite, "SQLite's WAL")) struct WALBoundProcessTests {
    @Test func theWALStaysBoundedDuringAnImportFollowedBySSEClients() async throws {
        let sandbox = try Sandbox()
        let csv = sandbox.root + "/big.csv"
        try ImportCrashTests.writeProducts(rows: 300_000, to: csv)
        let (server, client) = try await ServeTests().serve(sandbox)
        defer { server.signal(SIGKILL) }
        let body = try String(contentsOfFile: csv, encoding: .utf8)
        let upload = try client.send("POST", "/api/v1/products/upload", headers: ["Content-Type": "text/csv"], body: body)
        let importID = try #require(upload.json["import_id"]?.stringValue, "\(upload.text)")
        // Each follower blocks on its socket: on its own thread, not the cooperative pool.
        let followers = (0..<3).map { _ in
            Task { try await offCooperativePool { try client.send("GET", "/api/v1/imports/\(importID)/events").text } }
        }
        let wal = sandbox.dataDir + "/catalog.sqlite-wal"
        var largest = 0
        let finished = try await eventually(timeout: 120) {
            let size = (try? FileManager.default.attributesOfItem(atPath: wal)[.size] as? NSNumber)?.intValue ?? 0
            largest = max(largest, size)
            return try client.send("GET", "/api/v1/imports/\(importID)").json["state"] == "SUCCESS"
        }
        #expect(finished)
        for follower in followers {
            let events = try await follower.value
            #expect(events.contains("event: complete"), "a follower missed the end")
            #expect(events.contains("event: progress"), "a follower saw no progress")
        }
        // The catalogue grows to ~100 MB; its WAL stays far below (the writer's checkpoint at
        // 16 MB while it imports, the background one every 50 ms, TRUNCATE past 256 MB).
        #expect(largest < 64 << 20, "the WAL reached \(largest) bytes")
        FileHandle.standardError.write(Data("WALBoundProcessTests: largest WAL \(largest) bytes\n".utf8))
    }
}

import Foundation
import TestSupport
import Testing

/// Upgrades (issue 20): this build opens the databases a release wrote, migrates them at start,
/// and keeps what they hold. Tests/Fixtures/release-0.1.0 is `importer backup` of release 0.1.0
/// (commit 31a98f3, `scripts/release.sh`) after importing three products, running test_task and
/// adding a webhook. Each later release adds its own backup here and a case below.
@Suite(.serialized, .tags(.sqliteOnly), .enabled(if: E2EDatabase.isSQLite, "a release's SQLite files")) struct UpgradeProcessTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    @Test(arguments: ["release-0.1.0"])
    func aReleasesDatabasesOpenMigratedWithTheirData(release: String) async throws {
        let sandbox = try Sandbox()
        for file in ["queue.sqlite", "catalog.sqlite"] {
            try FileManager.default.copyItem(
                atPath: Self.fixtures.appendingPathComponent(release).appendingPathComponent(file).path,
                toPath: sandbox.dataDir + "/" + file)
        }
        // The release's results expired an hour after it ran them: the expiry sweep, which beat
        // runs at start, is off here, so that what the release stored is still there to check.
        let (server, client) = try await ServeTests().serve(
            sandbox, environment: ["IMPORTER_BUILTIN_SCHEDULES": #"{"result_expiry": {"enabled": false}}"#])
        defer { server.signal(SIGKILL) }
        // Products, with the quoted newline and the inactive flag as imported
        let products = try client.send("GET", "/api/v1/products?limit=10")
        #expect(products.json["total"] == 3, "\(products.text)")
        let chaise = try client.send("GET", "/api/v1/products?sku=FX-2").json["items"]?.arrayValue?.first
        #expect(chaise?["description"] == "ligne 1\nligne 2")
        #expect(chaise?["active"] == false)
        // The tasks it ran, with their counts (migration v7's indexes built over them). By name:
        // beat's own schedules may have run since the start.
        for name in ["app.tasks.product_tasks.test_task", "app.tasks.product_tasks.process_csv_import"] {
            #expect(try client.send("GET", "/api/v1/tasks?state=SUCCESS&name=\(name)").json["total"] == 1, "\(name)")
            #expect(try client.send("GET", "/api/v1/tasks/counts?name=\(name)").json["counts"]?["SUCCESS"] == 1, "\(name)")
        }
        // The webhook, its secret still hidden and still there
        let hook = try client.send("GET", "/api/v1/webhooks").json["items"]?.arrayValue?.first
        #expect(hook?["has_secret"] == true)
        #expect(hook?["events"] == ["product.updated"])
        // And it takes writes: a change to an old product, a new task
        let id = try #require(chaise?["id"]?.stringValue)
        let patched = try client.send(
            "PATCH", "/api/v1/products/\(id)", headers: ["Content-Type": "application/json"], body: #"{"active": true}"#)
        #expect(patched.status == 200, "\(patched.text)")
        let task = try #require(try client.send("POST", "/api/v1/celery/test").json["task_id"]?.stringValue)
        #expect(try await eventually(timeout: 20) { try client.send("GET", "/api/v1/tasks/\(task)").json["state"] == "SUCCESS" })
    }
}

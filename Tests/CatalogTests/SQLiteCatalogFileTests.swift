import Foundation
import GRDB
import Testing

@testable import Catalog
@testable import SQLiteSupport

/// The SQLite catalogue's file: the page size a new one gets, and the WAL thresholds: frames
/// between long operations, bytes (so frames that follow the file's page size) while one writes.
@Suite struct SQLiteCatalogFileTests {
    private func withDirectory(_ body: (URL) throws -> Void) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try body(directory)
    }

    private func pragma(_ store: SQLiteCatalogStore, _ name: String) throws -> Int? {
        try store.writerConnection { db in try Int.fetchOne(db, sql: "PRAGMA \(name)") }
    }

    @Test func aNewCatalogueHas4KiBPagesAndItsThresholds() throws {
        try withDirectory { directory in
            let store = try SQLiteCatalogStore(path: directory.appendingPathComponent("catalog.sqlite").path)
            #expect(try pragma(store, "page_size") == 4096)
            // 256 frames (1 MiB) between long operations, 16 MiB while an import writes.
            #expect(try pragma(store, "wal_autocheckpoint") == 256)
            try store.beginBulkWrites()
            #expect(try pragma(store, "wal_autocheckpoint") == 4096)
            store.endBulkWrites()
            #expect(try pragma(store, "wal_autocheckpoint") == 256)
        }
    }

    /// A catalogue as builds made it from issue 23 to 2026-12-05: 16 KiB pages, WAL.
    private func make16KiBCatalogue(_ path: String) throws {
        let old = try DatabaseQueue(path: path)
        try old.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA page_size = 16384")
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "CREATE TABLE marker (x INTEGER)")
        }
        try old.close()
    }

    @Test func aCatalogueMadeWith16KiBPagesKeepsThem() throws {
        try withDirectory { directory in
            let path = directory.appendingPathComponent("catalog.sqlite").path
            try make16KiBCatalogue(path)
            let store = try SQLiteCatalogStore(path: path)
            #expect(try pragma(store, "page_size") == 16384)
            #expect(try pragma(store, "wal_autocheckpoint") == 256)
            try store.beginBulkWrites()
            #expect(try pragma(store, "wal_autocheckpoint") == 1024)
            store.endBulkWrites()
            #expect(try pragma(store, "wal_autocheckpoint") == 256)
            #expect(try store.writerConnection { db in try db.tableExists("products") })
        }
    }

    @Test func rebuildPagesMovesAClosedCatalogueOn4KiBPagesWithItsData() throws {
        try withDirectory { directory in
            let path = directory.appendingPathComponent("catalog.sqlite").path
            try make16KiBCatalogue(path)
            do {
                let store = try SQLiteCatalogStore(path: path)
                try store.writerConnection { db in try db.execute(sql: "INSERT INTO marker VALUES (42)") }
                #expect(store.pagesToRebuild() == 16384)
                // While a connection has the file open, nothing changes.
                let refused = #expect(throws: CatalogError.self) { try SQLiteCatalogStore.rebuildPages(path: path) }
                #expect(refused?.message.contains("open in another process") == true, "\(String(describing: refused))")
                #expect(try pragma(store, "page_size") == 16384)
            }
            let rebuilt = try SQLiteCatalogStore.rebuildPages(path: path)
            #expect(rebuilt?.from == 16384)
            #expect(rebuilt?.to == 4096)
            #expect(try SQLiteCatalogStore.rebuildPages(path: path) == nil)
            let store = try SQLiteCatalogStore(path: path)
            #expect(try pragma(store, "page_size") == 4096)
            #expect(store.pagesToRebuild() == nil)
            #expect(try store.writerConnection { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") } == "wal")
            #expect(try store.writerConnection { db in try Int.fetchOne(db, sql: "SELECT x FROM marker") } == 42)
            #expect(try store.writerConnection { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") } == "ok")
        }
    }

    @Test func rebuildPagesLeavesANewCatalogueAlone() throws {
        try withDirectory { directory in
            let path = directory.appendingPathComponent("catalog.sqlite").path
            #expect(try SQLiteCatalogStore.rebuildPages(path: path) == nil)  // none yet
            do { _ = try SQLiteCatalogStore(path: path) }
            let modified = try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date
            #expect(try SQLiteCatalogStore.rebuildPages(path: path) == nil)
            #expect(try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date == modified)
        }
    }

    @Test func migrationV6KeepsTheLastRequestOfEachDeliveryWithItsAttempt() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("catalog.sqlite").path
        // A catalogue at v5, where the delivery's row held a copy of its last request.
        let old = try DatabaseQueue(path: path)
        try SQLiteCatalogStore.migrator.migrate(old, upTo: "v5: webhooks, their outbox, deliveries and attempts")
        try await old.write { db in
            try db.execute(
                sql: """
                    INSERT INTO webhooks (id, url, events, secret, created_at, updated_at)
                        VALUES ('w', 'http://127.0.0.1:9/', '["product.updated"]', 'whsec_x', 1, 1);
                    INSERT INTO webhook_events (id, event, data, occurred_at, dispatched_at) VALUES ('e', 'product.updated', '{}', 1, 1);
                    INSERT INTO webhook_deliveries (id, webhook_id, event_id, event, kind, state, attempts, request_headers,
                        request_body, created_at) VALUES ('d', 'w', 'e', 'product.updated', 'event', 'succeeded', 2,
                        '{"X-Webhook-Attempt":"2"}', '{"attempt":2}', 1);
                    INSERT INTO webhook_attempts (id, delivery_id, webhook_id, attempt, payload, status_code, delivery_state, created_at)
                        VALUES ('a1', 'd', 'w', 1, '{"attempt":1}', 500, 'retrying', 1),
                               ('a2', 'd', 'w', 2, '{"attempt":2}', 200, 'succeeded', 2);
                    """)
        }
        try old.close()
        let store = try SQLiteCatalogStore(path: path)
        let (delivery, attempts) = try #require(try await store.delivery(id: "d"))
        #expect(attempts.map(\.id) == ["a1", "a2"] && attempts.map(\.statusCode) == [500, 200])
        #expect(delivery.requestHeaders == ["X-Webhook-Attempt": "2"] && delivery.requestBody == #"{"attempt":2}"#)
        let (copy, indexes) = try store.writerConnection { db in
            (
                try String.fetchOne(db, sql: "SELECT request_headers FROM webhook_deliveries WHERE id = 'd'"),
                try String.fetchAll(
                    db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'webhook_attempts' ORDER BY name")
            )
        }
        #expect(copy == "{}", "the delivery row no longer holds the request")
        #expect(indexes == ["webhook_attempts_delivery", "webhook_attempts_webhook"])
    }

    @Test func theBackgroundCheckpointRunsOnlyWhenTheWALChanged() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SQLiteCatalogStore(path: directory.appendingPathComponent("catalog.sqlite").path)
        let checkpointer = try #require(store.checkpointer)
        func write() throws {
            try store.writerConnection { db in try db.execute(sql: "CREATE TABLE IF NOT EXISTS marker (x); INSERT INTO marker VALUES (1)") }
        }
        try write()
        #expect(await checkpointer.checkpoint(), "the WAL holds a new commit")
        #expect(await !checkpointer.checkpoint(), "nothing was written since")
        #expect(await !checkpointer.checkpoint())
        try write()
        #expect(await checkpointer.checkpoint(), "a write after the last checkpoint")
    }
}

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

    @Test func aNewCatalogueHas16KiBPagesAndItsThresholds() throws {
        try withDirectory { directory in
            let store = try SQLiteCatalogStore(path: directory.appendingPathComponent("catalog.sqlite").path)
            #expect(try pragma(store, "page_size") == 16384)
            // 256 frames (4 MiB) between long operations, 16 MiB while an import writes.
            #expect(try pragma(store, "wal_autocheckpoint") == 256)
            try store.beginBulkWrites()
            #expect(try pragma(store, "wal_autocheckpoint") == 1024)
            store.endBulkWrites()
            #expect(try pragma(store, "wal_autocheckpoint") == 256)
        }
    }

    @Test func aCatalogueMadeWith4KiBPagesKeepsThem() throws {
        try withDirectory { directory in
            let path = directory.appendingPathComponent("catalog.sqlite").path
            // A catalogue as releases before 16 KiB pages made it: SQLite's default page size, WAL.
            let old = try DatabaseQueue(path: path)
            try old.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA journal_mode = WAL")
                try db.execute(sql: "CREATE TABLE marker (x INTEGER)")
            }
            try old.close()
            let store = try SQLiteCatalogStore(path: path)
            #expect(try pragma(store, "page_size") == 4096)
            #expect(try pragma(store, "wal_autocheckpoint") == 256)
            try store.beginBulkWrites()
            #expect(try pragma(store, "wal_autocheckpoint") == 4096)
            store.endBulkWrites()
            #expect(try pragma(store, "wal_autocheckpoint") == 256)
            #expect(try store.writerConnection { db in try db.tableExists("products") })
        }
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

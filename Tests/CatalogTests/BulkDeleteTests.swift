import Foundation
import GRDB
import Logging
import TestSupport
import Testing

@testable import Catalog
@testable import TaskQueue

/// `bulk_delete_products` (DESIGN.md §10): through the queue, and its runner driven directly.
@Suite struct BulkDeleteTests {
    /// `count` products imported from a CSV.
    func catalogue(_ count: Int, _ backend: CatalogBackend = .sqlite, batchRows: Int = 20_000) async throws -> CatalogFixture {
        let fixture = try CatalogFixture(backend, batchRows: batchRows)
        var csv = "sku,name\n"
        for index in 0..<count { csv += "sku-\(index),Product \(index)\n" }
        _ = try await fixture.importCSV(csv).0.get()
        return fixture
    }

    func deleter(_ fixture: CatalogFixture, _ deleteID: String, token: Int64, batch: Int, monitor: RecordingMonitor) -> BulkDeleter {
        BulkDeleter(store: fixture.store, deleteID: deleteID, token: token, monitor: monitor, batchSize: batch)
    }

    @Test(arguments: CatalogBackend.allCases)
    func throughTheQueueEveryProductGoesAndTheResultSaysHowMany(backend: CatalogBackend) async throws {
        let fixture = try await catalogue(2500, backend)
        try await ProductTasksTests().withWorker(fixture) { client, store in
            let (_, taskID) = try await BulkDeleteSubmitter(catalog: fixture.catalog, client: client).submit(expectedTotal: 2500)
            let job = try await ProductTasksTests().finished(store, taskID)
            #expect(job.state == .success)
            #expect(job.queue == "imports")
            #expect(
                job.result == [
                    "status": "success", "message": "Successfully deleted 2500 products", "deleted_count": 2500, "kept_new": 0,
                ])
            #expect(job.meta?["stage"] == "complete")
            #expect(job.meta?["percent"] == 100.0)
            #expect(try await fixture.store.bulkDelete(taskID: taskID)?.state == .success)
        }
        #expect(try fixture.products().isEmpty)
        #expect(try await fixture.store.products(ProductFilter()).total == 0)
    }

    @Test(arguments: CatalogBackend.allCases)
    func aRevokeStopsAtABatchBoundaryAndARetryContinues(backend: CatalogBackend) async throws {
        let fixture = try await catalogue(95, backend)
        let record = try await fixture.store.createBulkDelete(id: "d", expectedTotal: nil)
        // Delivery 1 is revoked after two batches of 10 (the third check: one was the lock's)
        let monitor = RecordingMonitor(cancelAfter: 3)
        await #expect(throws: TaskCancelled.self) {
            try await offCooperativePool { try deleter(fixture, record.id, token: 1, batch: 10, monitor: monitor).run() }
        }
        var stored = try ProductCounts(fixture)
        #expect(stored.products == 75 && stored.counted == 75)
        let revoked = try #require(try await fixture.store.bulkDeleteForTask(taskID: "t", deleteID: "d"))
        #expect(revoked == "d")
        // Progress was reported with the design's meta
        let meta = try #require(monitor.metas.first)
        #expect(meta["message"] == "Deleting 95 products…")
        for key in ["stage", "message", "deleted_count", "total", "percent"] { #expect(meta[key] != nil, "\(key)") }
        // A retried run takes the lock over and deletes the rest: the total is the one of the start
        let later = try await fixture.store.createProduct(try ProductStoreTests.draft("made-meanwhile"))
        let result = try await offCooperativePool {
            try deleter(fixture, "d", token: 2, batch: 10, monitor: RecordingMonitor()).run()
        }
        #expect(result["deleted_count"] == 95)
        #expect(result["kept_new"] == 1)
        stored = try ProductCounts(fixture)
        #expect(stored.products == 1 && stored.counted == 1)
        #expect(try await fixture.store.product(id: later.id) != nil)
    }

    @Test(arguments: CatalogBackend.allCases)
    func itWaitsForARunningImportAndCanBeRevokedMeanwhile(backend: CatalogBackend) async throws {
        let fixture = try await catalogue(10, backend)
        // Given an import holding the catalogue lock
        let other = try await fixture.record("x.csv")
        try fixture.execute("UPDATE imports SET state = 'RUNNING' WHERE id = '\(other.id)'")
        try fixture.execute(
            "UPDATE catalog_lock SET import_id = '\(other.id)', token = 7, heartbeat_at = \(Date().timeIntervalSince1970)")
        let record = try await fixture.store.createBulkDelete(id: "d", expectedTotal: nil)
        try await fixture.store.attachBulkDelete(id: record.id, taskID: "t")
        // When the bulk delete is revoked while it waits, it deleted nothing and says so
        let started = Date()
        await #expect(throws: TaskCancelled.self) {
            try await offCooperativePool {
                try deleter(fixture, "d", token: 1, batch: 10, monitor: RecordingMonitor(cancelAfter: 3)).run()
            }
        }
        #expect(Date().timeIntervalSince(started) >= 0.5)
        #expect(try await fixture.store.bulkDelete(taskID: "t")?.state == .revoked)
        #expect(try fixture.products().count == 10)
    }
}

/// The stored product count beside the rows actually there.
struct ProductCounts {
    let products: Int
    let counted: Int

    init(_ fixture: CatalogFixture) throws {
        counted = try fixture.integer("SELECT COUNT(*) FROM products") ?? -1
        products = try fixture.integer("SELECT products FROM catalog_stats") ?? -1
    }
}

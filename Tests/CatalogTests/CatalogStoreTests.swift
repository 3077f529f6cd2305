import Common
import Foundation
import PostgresSupport
import TestSupport
import Testing

@testable import Catalog

/// The catalogue backends that must keep the same contract: PostgreSQL too when
/// `IMPORTER_TEST_DATABASE_URL` names a server (`.ci/run` sets it and starts one).
enum CatalogBackend: String, CaseIterable, CustomTestStringConvertible {
    case sqlite, postgres
    var testDescription: String { rawValue }

    static var allCases: [CatalogBackend] { TestDatabase.url == nil ? [.sqlite] : [.sqlite, .postgres] }

    /// A store of this backend: in `directory`, or on a fresh schema (its pool returned, to drop).
    func makeStore(in directory: URL) throws -> (store: any CatalogStore, pool: PostgresPool?) {
        switch self {
        case .sqlite:
            return (try SQLiteCatalogStore(path: directory.appendingPathComponent("catalog.sqlite").path), nil)
        case .postgres:
            let pool = try TestDatabase.freshPool()
            return (try PostgresCatalogStore(pool: pool), pool)
        }
    }
}

/// A catalogue store of `backend` on a fresh temporary directory or schema.
final class CatalogStoreFixture {
    let directory: URL
    let store: any CatalogStore
    let pool: PostgresPool?

    init(_ backend: CatalogBackend) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("cs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        (store, pool) = try backend.makeStore(in: directory)
    }

    deinit {
        try? FileManager.default.removeItem(at: directory)
        if let pool { TestDatabase.drop(pool) }
    }

    /// An import record with its lock taken by delivery `token`.
    func running(token: Int64 = 1) async throws -> CatalogFence {
        let record = try await store.createImport(NewImport(filePath: "f.csv", filename: "f.csv"))
        let fence = CatalogFence(holder: record.id, token: token)
        #expect(try store.takeCatalogLock(fence, staleAfter: 60))
        try store.markImportRunning(fence, bytesTotal: 10, warnings: [])
        return fence
    }
}

/// The storage contract of the catalogue, through the store's methods only, so that every
/// backend runs it as is.
@Suite struct CatalogStoreTests {
    @Test(arguments: CatalogBackend.allCases)
    func anImportRecordFromSubmissionToCleanup(backend: CatalogBackend) async throws {
        let fixture = try CatalogStoreFixture(backend)
        let store = fixture.store
        // Given a submitted import, linked to its task once the task exists
        let record = try await store.createImport(NewImport(filePath: "a.csv", filename: "a.csv", options: ["atomic": true]))
        #expect(record.state == .pending)
        #expect(record.message == "Waiting for a worker")
        #expect(record.options == ["atomic": true])
        #expect(try await store.importRecord(taskID: "task-a") == nil)
        try await store.attachImport(id: record.id, taskID: "task-a")
        #expect(try await store.importRecord(taskID: "task-a")?.id == record.id)
        // When its deliveries look for it, they find it; a task submitted directly gets a new one
        let same = try store.importForTask(taskID: "task-a", importID: record.id, new: NewImport(filePath: "a.csv", filename: nil))
        #expect(same == record.id)
        #expect(try store.importForTask(taskID: "task-a", importID: nil, new: NewImport(filePath: "a.csv", filename: nil)) == record.id)
        let direct = try store.importForTask(taskID: "task-b", importID: nil, new: NewImport(filePath: "b.csv", filename: "b.csv"))
        #expect(direct != record.id)
        #expect(try await store.importRecord(id: direct)?.taskID == "task-b")
        // Then unfinished ones keep their files, a failed one says why, and cleanup removes finished ones
        #expect(try store.unfinishedImportFiles() == ["a.csv", "b.csv"])
        try store.failImport(id: direct, message: "the file is gone")
        let failed = try #require(try await store.importRecord(id: direct))
        #expect(failed.state == .failure)
        #expect(failed.error == "the file is gone")
        #expect(try store.unfinishedImportFiles() == ["a.csv"])
        #expect(try await store.importRecords(limit: 10, offset: 0).total == 2)
        #expect(try store.deleteFinishedImports(createdBefore: Date().addingTimeInterval(60)) == 1)
        #expect(try await store.importRecord(id: direct) == nil)
        // A second record with the same id conflicts (a constraint, not a storage failure)
        await #expect {
            try await store.createImport(NewImport(id: record.id, filePath: "c.csv", filename: nil))
        } throws: { error in
            (error as? CatalogError)?.code == "constraint"
        }
        // A duplicate submission's record goes only while it never started
        try await store.deleteUnstartedImport(id: record.id)
        #expect(try await store.importRecords(limit: 10, offset: 0).total == 0)
    }

    @Test(arguments: CatalogBackend.allCases)
    func onlyAnUnstartedImportIsMarkedRevokedForItsTask(backend: CatalogBackend) async throws {
        let fixture = try CatalogStoreFixture(backend)
        let store = fixture.store
        let waiting = try await store.createImport(NewImport(filePath: "w.csv", filename: "w.csv"))
        try await store.attachImport(id: waiting.id, taskID: "task-w")
        let fence = try await fixture.running()
        try await store.attachImport(id: fence.holder, taskID: "task-r")
        // A waiting import's revoked task ends it as REVOKED
        #expect(try await store.revokeUnstartedImport(taskID: "task-w"))
        let revoked = try #require(try await store.importRecord(id: waiting.id))
        #expect(revoked.state == .revoked)
        #expect(revoked.message == "Revoked")
        #expect(revoked.finishedAt != nil)
        #expect(try store.unfinishedImportFiles() == ["f.csv"])
        // It can be retried like any revoked import
        #expect(try await store.createImportRetry(of: waiting.id, id: UUIDv7.make()).retryOf == waiting.id)
        // A running one records its own revocation; an unknown task changes nothing
        #expect(try await !store.revokeUnstartedImport(taskID: "task-r"))
        #expect(try await store.importRecord(id: fence.holder)?.state == .running)
        #expect(try await !store.revokeUnstartedImport(taskID: "no-such-task"))
        #expect(try await !store.revokeUnstartedImport(taskID: "task-w"))
    }

    @Test(arguments: CatalogBackend.allCases)
    func theLockSerializesImportsAndFencesStaleDeliveries(backend: CatalogBackend) async throws {
        let fixture = try CatalogStoreFixture(backend)
        let store = fixture.store
        let first = try await fixture.running(token: 1)
        let other = try await store.createImport(NewImport(filePath: "o.csv", filename: nil))
        let otherFence = CatalogFence(holder: other.id, token: 1)
        // Another import waits while the holder is alive
        #expect(try store.takeCatalogLock(otherFence, staleAfter: 60) == false)
        // A redelivery of the holder takes the lock over; the stale delivery is refused
        let redelivery = CatalogFence(holder: first.holder, token: 2)
        #expect(try store.takeCatalogLock(redelivery, staleAfter: 60))
        #expect { try store.recordReading(first, ImportReading(rows: 1, skipped: 0, bytesRead: 1)) } throws: { error in
            (error as? CatalogError)?.isLockLost == true
        }
        #expect { try store.takeCatalogLock(first, staleAfter: 60) } throws: { error in
            (error as? CatalogError)?.isLockLost == true
        }
        #expect { try store.writeImport(first) { _ in } } throws: { error in (error as? CatalogError)?.isLockLost == true }
        // A stale holder's release changes nothing; the current one's frees the lock
        try store.releaseCatalogLock(first)
        #expect(try store.takeCatalogLock(otherFence, staleAfter: 60) == false)
        try store.releaseCatalogLock(redelivery)
        #expect(try store.takeCatalogLock(otherFence, staleAfter: 60))
        // A silent holder is presumed dead after `staleAfter`
        #expect(try store.takeCatalogLock(redelivery, staleAfter: 0))
    }

    @Test(arguments: CatalogBackend.allCases)
    func importWritesKeepTheProductCountAndTheirCheckpoint(backend: CatalogBackend) async throws {
        let fixture = try CatalogStoreFixture(backend)
        let store = fixture.store
        let fence = try await fixture.running()
        // When a batch creates three products (in key order) with its checkpoint
        let created = try store.writeImport(fence) { transaction in
            for sku in ["a-1", "B-2", "C-3"] { try Self.write(transaction, sku: sku, name: "first") }
            let created = try transaction.endBatch()
            try transaction.checkpoint(ImportCheckpoint(created: 3, updated: 0, rowsMerged: 3, lastKey: Array("c-3".utf8)))
            return created
        }
        #expect(created == 3)
        #expect(try await store.products(ProductFilter()).total == 3)
        // Then a second batch updates by identity (case-insensitive SKU) and creates one more
        let second = try store.writeImport(fence) { transaction in
            try Self.write(transaction, sku: "A-1", name: "second", description: "d", active: false)
            try Self.write(transaction, sku: "d-4", name: "new")
            let created = try transaction.endBatch()
            // A dry run's batch asks by key
            for key in ["a-1", "z-9"] { try Array(key.utf8).withUnsafeBytes { try transaction.probe(key: $0) } }
            let new = try transaction.endBatch()
            try transaction.checkpoint(ImportCheckpoint(created: 4, updated: 1, rowsMerged: 5, lastKey: Array("d-4".utf8)))
            return (created, new)
        }
        #expect(second.0 == 1 && second.1 == 1)
        let page = try await store.products(ProductFilter())
        #expect(page.total == 4)
        let updated = try #require(page.items.first { $0.sku == "A-1" })
        #expect(updated.name == "second" && updated.description == "d" && updated.active == false)
        var inactive = ProductFilter()
        inactive.active = false
        #expect(try await store.products(inactive).total == 1)
        let record = try #require(try store.runningImport(id: fence.holder))
        #expect(record.checkpointKey == Array("d-4".utf8))
        #expect(record.created == 4 && record.updated == 1 && record.rowsMerged == 5)
        // A batch that fails leaves neither products nor the count behind
        struct Stop: Error {}
        #expect(throws: Stop.self) {
            try store.writeImport(fence) { transaction in
                try Self.write(transaction, sku: "e-5", name: "lost")
                _ = try transaction.endBatch()
                throw Stop()
            }
        }
        #expect(try await store.products(ProductFilter()).total == 4)
        #expect(try await store.products(ProductFilter()).items.count == 4)
        // The end is recorded while the delivery holds the lock
        try store.finishImport(fence, ImportOutcome(state: .success, stage: "complete", message: "Import Complete", error: nil))
        #expect(try await store.importRecord(id: fence.holder)?.state == .success)
    }

    @Test(arguments: CatalogBackend.allCases)
    func readingProgressAndRowErrorsAreRecorded(backend: CatalogBackend) async throws {
        let fixture = try CatalogStoreFixture(backend)
        let store = fixture.store
        let fence = try await fixture.running()
        try store.recordReading(fence, ImportReading(rows: 10, skipped: 1, bytesRead: 5))
        #expect(try await store.importRecord(id: fence.holder)?.rowsProcessed == 10)
        let errors = [RowError(line: 2, column: "sku", reason: "empty", raw: ",x"), RowError(line: 5, column: nil, reason: "fields", raw: "a")]
        try store.recordRead(fence, ImportReading(rows: 20, skipped: 2, bytesRead: 10), errors: errors)
        // A resumed import writes the same again: the errors are replaced, not doubled
        try store.recordRead(fence, ImportReading(rows: 20, skipped: 2, bytesRead: 10), errors: errors)
        #expect(try await store.importErrors(importID: fence.holder, limit: 10, offset: 0) == errors)
        let record = try #require(try await store.importRecord(id: fence.holder))
        #expect(record.errorCount == 2 && record.skipped == 2 && record.stage == "importing")
    }

    /// Writes one product given as strings (the key is the SKU's lowercase form).
    static func write(
        _ transaction: any ImportTransaction, sku: String, name: String, description: String? = nil, active: Bool? = nil
    ) throws {
        let (key, skuBytes, nameBytes) = (Array(sku.lowercased().utf8), Array(sku.utf8), Array(name.utf8))
        let (id, descriptionBytes) = (Array(UUIDv7.make().utf8), description.map { Array($0.utf8) } ?? [])
        try id.withUnsafeBytes { id in
            try key.withUnsafeBytes { key in
                try skuBytes.withUnsafeBytes { sku in
                    try nameBytes.withUnsafeBytes { name in
                        try descriptionBytes.withUnsafeBytes { descriptionView in
                            let product = ImportedProduct(
                                id: id, key: key, sku: sku, name: name, description: description == nil ? nil : descriptionView,
                                active: active)
                            try transaction.write([product])
                        }
                    }
                }
            }
        }
    }
}

import Foundation
import Testing

@testable import Catalog

/// The product writes and the bulk delete of the catalogue store, on every backend.
@Suite struct ProductStoreTests {
    static func draft(_ sku: String, _ name: String = "n", active: Bool = true) throws -> ProductDraft {
        try ProductInput.draft(["sku": .string(sku), "name": .string(name), "active": .bool(active)])
    }

    @Test(arguments: CatalogBackend.allCases)
    func createReadUpdateDelete(backend: CatalogBackend) async throws {
        let fixture = try CatalogStoreFixture(backend)
        let store = fixture.store
        defer { withExtendedLifetime(fixture) {} }
        // Given a product
        let created = try await store.createProduct(try Self.draft("Ab-1", "First"))
        #expect(try await store.product(id: created.id) == created)
        #expect(try await store.productCount() == 1)
        // A second product with the same SKU in another casing is refused, naming the holder
        await #expect {
            try await store.createProduct(try Self.draft("aB-1"))
        } throws: { error in
            (error as? CatalogError)?.code == "sku_exists" && "\(error)".contains(created.id)
        }
        // When only some fields change, the others stay, and the version moves forward
        var changes = ProductChanges()
        changes.name = "Second"
        let renamed = try await store.updateProduct(id: created.id, changes, precondition: .versions([created.version]))
        #expect(renamed.name == "Second" && renamed.sku == "Ab-1" && renamed.active)
        #expect(renamed.version > created.version)
        // A stale version is refused; nothing changes
        await #expect {
            try await store.updateProduct(id: created.id, changes, precondition: .versions([created.version]))
        } throws: { error in (error as? CatalogError)?.code == "precondition_failed" }
        // A new casing of its own SKU is fine; another product's SKU is not
        let other = try await store.createProduct(try Self.draft("zz-9"))
        var casing = ProductChanges()
        (casing.sku, casing.skuKey) = ("AB-1", "ab-1")
        #expect(try await store.updateProduct(id: created.id, casing, precondition: .none).sku == "AB-1")
        var taken = ProductChanges()
        (taken.sku, taken.skuKey) = ("ZZ-9", "zz-9")
        await #expect {
            try await store.updateProduct(id: created.id, taken, precondition: .none)
        } throws: { error in (error as? CatalogError)?.code == "sku_exists" && "\(error)".contains(other.id) }
        // An update that changes nothing writes nothing
        let same = try await store.product(id: created.id)!
        #expect(try await store.updateProduct(id: created.id, casing, precondition: .exists) == same)
        // Deletes keep the count; an unknown id is not found
        await #expect { try await store.deleteProduct(id: other.id, precondition: .versions([1])) } throws: { error in
            (error as? CatalogError)?.code == "precondition_failed"
        }
        try await store.deleteProduct(id: other.id, precondition: .versions([other.version]))
        #expect(try await store.productCount() == 1)
        await #expect { try await store.deleteProduct(id: other.id, precondition: .none) } throws: { error in
            (error as? CatalogError)?.code == "product_not_found"
        }
        await #expect { try await store.updateProduct(id: other.id, changes, precondition: .none) } throws: { error in
            (error as? CatalogError)?.code == "product_not_found"
        }
    }

    @Test(arguments: CatalogBackend.allCases)
    func aBulkDeleteDeletesWhatExistedWhenItStartedInBatches(backend: CatalogBackend) async throws {
        let fixture = try CatalogStoreFixture(backend)
        let store = fixture.store
        defer { withExtendedLifetime(fixture) {} }
        for index in 0..<25 { _ = try await store.createProduct(try Self.draft("p-\(index)")) }
        // A submission that expects another count is refused
        await #expect { try await store.createBulkDelete(id: "d0", expectedTotal: 24) } throws: { error in
            (error as? CatalogError)?.code == "count_changed"
        }
        let record = try await store.createBulkDelete(id: "d1", expectedTotal: 25)
        try await store.attachBulkDelete(id: record.id, taskID: "task-1")
        #expect(try store.bulkDeleteForTask(taskID: "task-1", deleteID: "d1") == "d1")
        // When it starts, the products that exist are its total; later ones survive
        let fence = CatalogFence(holder: "d1", token: 1)
        #expect(try store.takeCatalogLock(fence, staleAfter: 60))
        let started = try store.startBulkDelete(fence)
        #expect(started.total == 25 && started.state == .running)
        let newcomer = try await store.createProduct(try Self.draft("new"))
        #expect(try store.deleteProductBatch(fence, limit: 10) == 10)
        #expect(try await store.productCount() == 16)
        // A redelivery takes over and continues; the old delivery can delete nothing more
        let redelivery = CatalogFence(holder: "d1", token: 2)
        #expect(try store.takeCatalogLock(redelivery, staleAfter: 60))
        #expect(try store.startBulkDelete(redelivery).total == 25)
        #expect { try store.deleteProductBatch(fence, limit: 10) } throws: { error in (error as? CatalogError)?.isLockLost == true }
        #expect(try store.deleteProductBatch(redelivery, limit: 10) == 10)
        #expect(try store.deleteProductBatch(redelivery, limit: 10) == 5)
        #expect(try store.deleteProductBatch(redelivery, limit: 10) == 0)
        let finished = try store.finishBulkDelete(redelivery, state: .success, message: "done", error: nil)
        #expect(finished.deletedCount == 25 && finished.keptNew == 1 && finished.percent == 100)
        #expect(try await store.bulkDelete(taskID: "task-1")?.state == .success)
        // Then only the newcomer is left, and the count agrees
        let left = try await store.products(ProductFilter())
        #expect(left.items.map(\.id) == [newcomer.id] && left.total == 1)
        #expect(try store.deleteFinishedBulkDeletes(createdBefore: Date().addingTimeInterval(60)) == 1)
        #expect(try await store.bulkDelete(taskID: "task-1") == nil)
    }

    @Test(arguments: CatalogBackend.allCases)
    func aFailedImportIsRetriedOnceAsANewLinkedImport(backend: CatalogBackend) async throws {
        let fixture = try CatalogStoreFixture(backend)
        let store = fixture.store
        defer { withExtendedLifetime(fixture) {} }
        let original = try await store.createImport(NewImport(filePath: "f.csv", filename: "f.csv", options: ["atomic": true]))
        await #expect { try await store.createImportRetry(of: original.id, id: "r1") } throws: { error in
            (error as? CatalogError)?.code == "not_failed"
        }
        try store.failImport(id: original.id, message: "bad")
        let retry = try await store.createImportRetry(of: original.id, id: "r1")
        #expect(retry.retryOf == original.id && retry.filePath == "f.csv" && retry.options == ["atomic": true])
        #expect(retry.state == .pending)
        await #expect { try await store.createImportRetry(of: original.id, id: "r2") } throws: { error in
            (error as? CatalogError)?.code == "already_retried" && "\(error)".contains("r1")
        }
        await #expect { try await store.createImportRetry(of: "nope", id: "r3") } throws: { error in
            (error as? CatalogError)?.code == "import_not_found"
        }
    }
}

import Common
import Foundation
import GRDB

/// The manual product writes (`ProductStore`): one short transaction each, with the product
/// count kept in it.
extension SQLiteCatalogStore {
    public func productCount() async throws -> Int {
        try await read { db in try Self.productCount(db) }
    }

    public func createProduct(_ draft: ProductDraft) async throws -> Product {
        let id = UUIDv7.make()
        let now = Date().timeIntervalSince1970
        return try await write { db, outbox in
            if let holder = try Self.holder(db, skuKey: draft.skuKey) {
                throw CatalogError.skuExists(sku: draft.sku, holder: holder)
            }
            try db.execute(
                sql: """
                    INSERT INTO products (id, sku, sku_key, name, description, active, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [id, draft.sku, draft.skuKey, draft.name, draft.description, draft.active, now, now])
            try Self.changeProductCount(db, by: 1)
            let product = Product(
                id: id, sku: draft.sku, name: draft.name, description: draft.description, active: draft.active,
                createdAt: Date(timeIntervalSince1970: now), updatedAt: Date(timeIntervalSince1970: now))
            try outbox.record(db, .productCreated, data: product.json)
            return product
        }
    }

    public func updateProduct(id: String, _ changes: ProductChanges, precondition: ProductPrecondition) async throws -> Product {
        let now = Date().timeIntervalSince1970
        return try await write { db, outbox in
            let (current, currentKey) = try Self.writable(db, id: id, precondition: precondition)
            var next = current.applying(changes)
            guard next != current else { return current }
            if let key = changes.skuKey, let holder = try Self.holder(db, skuKey: key), holder != id {
                throw CatalogError.skuExists(sku: next.sku, holder: holder)
            }
            let updated = current.nextUpdateTime(now: now)
            next.updatedAt = Date(timeIntervalSince1970: updated)
            // Only the columns that changed: an index whose column is assigned is rewritten even
            // when the value is the same, and each page written is one more in the WAL.
            var assignments = ["updated_at = ?"]
            var arguments: StatementArguments = [updated]
            if next.sku != current.sku { assignments.append("sku = ?"); arguments += [next.sku] }
            if let key = changes.skuKey, key != currentKey { assignments.append("sku_key = ?"); arguments += [key] }
            if next.name != current.name { assignments.append("name = ?"); arguments += [next.name] }
            if next.description != current.description { assignments.append("description = ?"); arguments += [next.description] }
            if next.active != current.active { assignments.append("active = ?"); arguments += [next.active] }
            arguments += [id]
            try db.cachedStatement(sql: "UPDATE products SET \(assignments.joined(separator: ", ")) WHERE id = ?")
                .execute(arguments: arguments)
            try outbox.record(db, .productUpdated, data: next.updateEventData(since: current))
            return next
        }
    }

    public func deleteProduct(id: String, precondition: ProductPrecondition) async throws {
        try await write { db, outbox in
            let (last, _) = try Self.writable(db, id: id, precondition: precondition)
            try db.execute(sql: "DELETE FROM products WHERE id = ?", arguments: [id])
            try Self.changeProductCount(db, by: -db.changesCount)
            try outbox.record(db, .productDeleted, data: last.json)
        }
    }

    /// The product to write and its SKU key, if it exists and `precondition` allows its version.
    @discardableResult
    private static func writable(_ db: Database, id: String, precondition: ProductPrecondition) throws -> (Product, String) {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM products WHERE id = ?"), arguments: [id]) else {
            throw CatalogError.productNotFound(id)
        }
        let current = product(row)
        guard precondition.allows(current.version) else {
            throw CatalogError.preconditionFailed(id: id, current: current.etag)
        }
        return (current, row["sku_key"])
    }

    /// The id of the product holding `skuKey`, if any.
    private static func holder(_ db: Database, skuKey: String) throws -> String? {
        try String.fetchOne(db, sql: "SELECT id FROM products WHERE sku_key = ?", arguments: [skuKey])
    }

    static func productCount(_ db: Database) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT products FROM catalog_stats WHERE id = 1") ?? 0
    }

    /// The count the listing's `total` reads, changed in the transaction of the write.
    static func changeProductCount(_ db: Database, by delta: Int) throws {
        guard delta != 0 else { return }
        try db.execute(sql: "UPDATE catalog_stats SET products = products + ? WHERE id = 1", arguments: [delta])
    }
}

import Common
import Foundation
import PostgresNIO
import PostgresSupport
import TaskQueue
import SQLiteSupport

/// The products table (`ProductStore`) on PostgreSQL: reads newest first (UUIDv7 ids are
/// creation order), and the manual writes, each one transaction with the product count in it.
extension PostgresCatalogStore {
    public func product(id: String) async throws -> Product? {
        try await session { session in
            try session.first("SELECT * FROM products WHERE id = \(id)").map(Self.product)
        }
    }

    public func products(_ filter: ProductFilter) async throws -> (items: [Product], total: Int) {
        var statement = PostgresStatement()
        var conditions: [String] = []
        if let prefix = filter.skuPrefix, !prefix.isEmpty {
            let key = prefix.lowercased()
            // The key range [prefix, prefix + U+10FFFF): an index range scan in byte order.
            conditions.append("sku_key >= \(statement.bind(key)) AND sku_key < \(statement.bind(key + "\u{10FFFF}"))")
        }
        for (column, value) in [("name", filter.name), ("description", filter.description)] {
            guard let value, !value.isEmpty else { continue }
            // The columns are COLLATE "C": ILIKE folds ASCII case only, as SQLite's LIKE.
            conditions.append("\(column) ILIKE \(statement.bind(LikePattern.containing(value))) ESCAPE '\\'")
        }
        if let active = filter.active { conditions.append("active = \(statement.bind(active))") }
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let activeOnly = conditions.count == 1 && filter.active != nil
        var count = statement
        if conditions.isEmpty {
            count.sql = "SELECT products AS n FROM catalog_stats WHERE id = 1"
        } else if let active = filter.active, activeOnly {
            // Inactive products (usually few) are counted along their range of the active index.
            count = PostgresStatement(
                "SELECT CASE WHEN \(active) THEN s.products - i.n ELSE i.n END AS n FROM catalog_stats s, "
                    + "(SELECT COUNT(*) AS n FROM products WHERE NOT active) i WHERE s.id = 1")
        } else {
            count.sql = "SELECT COUNT(*) AS n FROM products \(whereClause)"
        }
        var page = statement
        var pageConditions = conditions
        if let cursor = filter.cursor { pageConditions.append("id < \(page.bind(cursor))") }
        let pageWhere = pageConditions.isEmpty ? "" : "WHERE " + pageConditions.joined(separator: " AND ")
        page.sql = "SELECT * FROM products \(pageWhere) ORDER BY id DESC LIMIT \(page.bind(filter.limit)) OFFSET \(page.bind(filter.offset))"
        let countQuery = count.query
        let pageQuery = page.query
        return try await session { session in
            let total = try session.first(countQuery)?.get("n", as: Int.self) ?? 0
            return (try session.query(pageQuery).map(Self.product), total)
        }
    }

    public func productCount() async throws -> Int {
        try await session { session in try Self.productCount(session) }
    }

    public func createProduct(_ draft: ProductDraft) async throws -> Product {
        let id = UUIDv7.make()
        let now = Self.now
        return try await transaction { session, outbox in
            if let holder = try Self.holder(session, skuKey: draft.skuKey) {
                throw CatalogError.skuExists(sku: draft.sku, holder: holder)
            }
            let inserted = try session.execute(
                """
                INSERT INTO products (id, sku, sku_key, name, description, active, created_at, updated_at)
                VALUES (\(id), \(draft.sku), \(draft.skuKey), \(draft.name), \(draft.description), \(draft.active), \(now), \(now))
                ON CONFLICT (sku_key) DO NOTHING
                """)
            // A concurrent writer took the key between the look-up and the insert.
            guard inserted == 1 else {
                throw CatalogError.skuExists(sku: draft.sku, holder: try Self.holder(session, skuKey: draft.skuKey) ?? "?")
            }
            try Self.changeProductCount(session, by: 1)
            let product = Product(
                id: id, sku: draft.sku, name: draft.name, description: draft.description, active: draft.active,
                createdAt: Date(timeIntervalSince1970: now), updatedAt: Date(timeIntervalSince1970: now))
            try outbox.record(session, .productCreated, data: product.json)
            return product
        }
    }

    public func updateProduct(id: String, _ changes: ProductChanges, precondition: ProductPrecondition) async throws -> Product {
        let now = Self.now
        return try await transaction { session, outbox in
            let (current, currentKey) = try Self.writable(session, id: id, precondition: precondition)
            var next = current.applying(changes)
            guard next != current else { return current }
            if let key = changes.skuKey, let holder = try Self.holder(session, skuKey: key), holder != id {
                throw CatalogError.skuExists(sku: next.sku, holder: holder)
            }
            let updated = current.nextUpdateTime(now: now)
            next.updatedAt = Date(timeIntervalSince1970: updated)
            let key = changes.skuKey ?? currentKey
            try session.execute(
                """
                UPDATE products SET sku = \(next.sku), sku_key = \(key), name = \(next.name), description = \(next.description),
                    active = \(next.active), updated_at = \(updated)
                WHERE id = \(id)
                """)
            try outbox.record(session, .productUpdated, data: next.updateEventData(since: current))
            return next
        }
    }

    public func deleteProduct(id: String, precondition: ProductPrecondition) async throws {
        try await transaction { session, outbox in
            let (last, _) = try Self.writable(session, id: id, precondition: precondition)
            let deleted = try session.execute("DELETE FROM products WHERE id = \(id)")
            try Self.changeProductCount(session, by: -deleted)
            try outbox.record(session, .productDeleted, data: last.json)
        }
    }

    /// The product to write (its row locked until the commit) and its SKU key, if it exists and
    /// `precondition` allows its version.
    private static func writable(_ session: PostgresSession, id: String, precondition: ProductPrecondition) throws -> (Product, String) {
        guard let row = try session.first("SELECT * FROM products WHERE id = \(id) FOR UPDATE") else {
            throw CatalogError.productNotFound(id)
        }
        let current = try product(row)
        guard precondition.allows(current.version) else {
            throw CatalogError.preconditionFailed(id: id, current: current.etag)
        }
        return (current, try row.get("sku_key"))
    }

    /// The id of the product holding `skuKey`, if any.
    private static func holder(_ session: PostgresSession, skuKey: String) throws -> String? {
        try session.first("SELECT id FROM products WHERE sku_key = \(skuKey)")?.get("id")
    }

    static func productCount(_ session: PostgresSession) throws -> Int {
        try session.first("SELECT products FROM catalog_stats WHERE id = 1")?.get("products", as: Int.self) ?? 0
    }

    /// The count the listing's `total` reads, changed in the transaction of the write.
    static func changeProductCount(_ session: PostgresSession, by delta: Int) throws {
        guard delta != 0 else { return }
        try session.execute("UPDATE catalog_stats SET products = products + \(delta) WHERE id = 1")
    }

    static func product(_ row: PostgresRandomAccessRow) throws -> Product {
        Product(
            id: try row.get("id"), sku: try row.get("sku"), name: try row.get("name"), description: try row.get("description"),
            active: try row.get("active"), createdAt: try date(row, "created_at"), updatedAt: try date(row, "updated_at"))
    }
}

import Foundation
import GRDB
import SQLiteSupport

/// Reads of the products table, newest first (ids are UUIDv7: id order is creation order).
extension SQLiteCatalogStore {
    public func product(id: String) async throws -> Product? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM products WHERE id = ?", arguments: [id]).map(Self.product)
        }
    }

    /// A page of products and the exact number matching the filter.
    public func products(_ filter: ProductFilter) async throws -> (items: [Product], total: Int) {
        var conditions: [String] = []
        var arguments: [String] = []
        if let prefix = filter.skuPrefix, !prefix.isEmpty {
            let key = prefix.lowercased()
            // The key range [prefix, prefix + U+10FFFF): an index range scan.
            conditions.append("sku_key >= ? AND sku_key < ?")
            arguments += [key, key + "\u{10FFFF}"]
        }
        for (column, value) in [("name", filter.name), ("description", filter.description)] {
            guard let value, !value.isEmpty else { continue }
            // LIKE folds ASCII case without allocating a lowered copy per row; the user's
            // wildcards are escaped so they match literally.
            conditions.append("\(column) LIKE ? ESCAPE '\\'")
            arguments.append(LikePattern.containing(value))
        }
        if let active = filter.active {
            // Alone, the flag pages along its index; with a SKU prefix the key range is far
            // narrower, and `+active` keeps SQLite on it.
            let column = conditions.isEmpty ? "active" : "+active"
            conditions.append(active ? "\(column) = 1" : "\(column) = 0")
        }
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let pageClause = filter.cursor == nil ? "" : (conditions.isEmpty ? "WHERE " : " AND ") + "id < ?"
        let limit = filter.limit
        let offset = filter.offset
        let cursor = filter.cursor
        let filterArguments = arguments
        let unfiltered = conditions.isEmpty
        let activeOnly = conditions.count == 1 && filter.active != nil
        let active = filter.active
        return try await read { db in
            let total: Int
            if unfiltered || activeOnly {
                // The product count is kept in catalog_stats; inactive products (usually few) are
                // counted along their range of the active index.
                let all = try Int.fetchOne(db, sql: "SELECT products FROM catalog_stats WHERE id = 1") ?? 0
                if let active, activeOnly {
                    let inactive = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM products WHERE active = 0") ?? 0
                    total = active ? all - inactive : inactive
                } else {
                    total = all
                }
            } else {
                total = try Int.fetchOne(
                    db, sql: "SELECT COUNT(*) FROM products \(whereClause)", arguments: StatementArguments(filterArguments)) ?? 0
            }
            var pageArguments = StatementArguments(filterArguments)
            if let cursor { pageArguments += [cursor] }
            pageArguments += [limit, offset]
            // Ids first (from the index alone where it covers the filter), then only the page's rows.
            let items = try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM products WHERE id IN (
                        SELECT id FROM products \(whereClause)\(pageClause) ORDER BY id DESC LIMIT ? OFFSET ?)
                    ORDER BY id DESC
                    """,
                arguments: pageArguments
            ).map(Self.product)
            return (items, total)
        }
    }

    static func product(_ row: Row) -> Product {
        Product(
            id: row["id"], sku: row["sku"], name: row["name"], description: row["description"], active: row["active"],
            createdAt: Date(timeIntervalSince1970: row["created_at"]), updatedAt: Date(timeIntervalSince1970: row["updated_at"]))
    }
}

import Common
import Foundation
import GRDB
import SQLiteSupport

/// The import's statements, prepared once on the catalogue's writer connection: the upsert runs
/// once per product of a file, where GRDB's per-statement conveniences would cost as much as
/// SQLite's own work (STACK.md). Only used inside the writer's transactions, one at a time.
final class ImportStatements: @unchecked Sendable {
    /// Products inserted by one statement (`groupInsert`): a statement run per product cost as
    /// much as SQLite's b-tree work (measured, the 500k import's merge: 1.36–1.49 s with one
    /// product per statement, 0.76–0.83 s with 64; 256 gained nothing more).
    static let groupRows = 64

    let insert: RawStatement
    let groupInsert: RawStatement
    let update: RawStatement
    let lookup: RawStatement

    init(_ db: Database) throws {
        guard let connection = db.sqliteConnection else { throw CatalogError.storage("the catalogue database is closed") }
        // The key is unique: a present key makes the insert a no-op (no other constraint can
        // fail — every value is bound or defaulted). ?1 is the time; each product's values
        // follow: its id, SKU, key, name, description (NULL: keep), active (NULL: keep).
        insert = try RawStatement(connection: connection, sql: Self.insertSQL(rows: 1))
        groupInsert = try RawStatement(connection: connection, sql: Self.insertSQL(rows: Self.groupRows))
        // A product the file leaves as it is is not rewritten (nor its pages, nor its indexes'
        // entries): the second import of a file writes almost nothing, as on PostgreSQL.
        update = try RawStatement(
            connection: connection,
            sql: """
                UPDATE products SET sku = ?3, name = ?5, description = COALESCE(?6, description),
                    active = COALESCE(?7, active), updated_at = ?1
                WHERE sku_key = ?4
                    AND (sku IS NOT ?3 OR name IS NOT ?5 OR description IS NOT COALESCE(?6, description)
                        OR active IS NOT COALESCE(?7, active))
                """)
        lookup = try RawStatement(connection: connection, sql: "SELECT NOT EXISTS (SELECT 1 FROM products WHERE sku_key = ?1)")
    }

    /// Parameters per product in `insertSQL`, after the time.
    static let parametersPerRow: Int32 = 6

    private static func insertSQL(rows: Int) -> String {
        let values = (0..<rows).map { row in
            let first = 2 + row * Int(parametersPerRow)
            return "(?\(first), ?\(first + 1), ?\(first + 2), ?\(first + 3), COALESCE(?\(first + 4), ''), COALESCE(?\(first + 5), 1), ?1, ?1)"
        }
        return """
            INSERT OR IGNORE INTO products (id, sku, sku_key, name, description, active, created_at, updated_at)
            VALUES \(values.joined(separator: ", "))
            """
    }
}

/// One transaction of an import (`SQLiteCatalogStore.writeImport`): counts the products it
/// creates, so the store adds them to the product count before the commit.
final class SQLiteImportTransaction: ImportTransaction {
    private let db: Database
    private let statements: ImportStatements
    private let fence: CatalogFence
    /// The time written into the rows of a batch (taken again after each checkpoint).
    private var time = Date().timeIntervalSince1970
    /// Products created in this transaction, and in its current batch.
    private(set) var created = 0
    private var batchCreated = 0

    init(db: Database, statements: ImportStatements, fence: CatalogFence) {
        self.db = db
        self.statements = statements
        self.fence = fence
    }

    /// Plain statements, not an upsert: telling a creation from an update would need
    /// `RETURNING`, which buffers its result in a temporary table per row (measured: +2.4 s for
    /// 500k rows). Products go in groups of `groupRows` by one insert; when some of a group's
    /// keys exist, each product of the group is then updated — a no-op for those just inserted.
    func write(_ products: [ImportedProduct]) throws {
        let group = ImportStatements.groupRows
        var start = 0
        while products.count - start >= group {
            try insert(products[start..<start + group], with: statements.groupInsert)
            start += group
        }
        for index in start..<products.count {
            try insert(products[index...index], with: statements.insert)
        }
    }

    private func insert(_ products: ArraySlice<ImportedProduct>, with insert: RawStatement) throws {
        insert.reset()
        defer { insert.reset() }
        insert.bindDouble(1, time)
        var first: Int32 = 2
        for product in products {
            bind(insert, product, from: first)
            first += ImportStatements.parametersPerRow
        }
        let inserted = try insert.execute()
        created += inserted
        batchCreated += inserted
        guard inserted < products.count else { return }
        // Some keys exist: the latest row's SKU casing, name, and the columns the file has.
        let update = statements.update
        for product in products {
            update.reset()
            defer { update.reset() }
            update.bindDouble(1, time)
            bind(update, product, from: 2)
            try update.execute()
        }
    }

    /// Binds the product's values from parameter `first`: id, SKU, key, name, description, active.
    private func bind(_ statement: RawStatement, _ product: ImportedProduct, from first: Int32) {
        statement.bindText(first, product.id)
        statement.bindText(first + 1, product.sku)
        statement.bindText(first + 2, product.key)
        statement.bindText(first + 3, product.name)
        if let description = product.description { statement.bindText(first + 4, description) } else { statement.bindNull(first + 4) }
        if let active = product.active { statement.bindInt(first + 5, active ? 1 : 0) } else { statement.bindNull(first + 5) }
    }

    func probe(key: UnsafeRawBufferPointer) throws {
        let lookup = statements.lookup
        lookup.reset()
        lookup.bindText(1, key)
        defer { lookup.reset() }
        if try lookup.step(), lookup.int(0) == 1 { batchCreated += 1 }
    }

    func endBatch() throws -> Int {
        defer { batchCreated = 0 }
        return batchCreated
    }

    func checkpoint(_ checkpoint: ImportCheckpoint) throws {
        try db.execute(
            sql: """
                UPDATE imports SET created = ?, updated = ?, rows_merged = ?, checkpoint_key = COALESCE(?, checkpoint_key)
                WHERE id = ?
                """,
            arguments: [
                checkpoint.created, checkpoint.updated, checkpoint.rowsMerged, checkpoint.lastKey.map { Data($0) },
                fence.holder,
            ])
        time = Date().timeIntervalSince1970
    }
}

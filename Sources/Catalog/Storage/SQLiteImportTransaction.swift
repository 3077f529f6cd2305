import Common
import Foundation
import GRDB
import SQLiteSupport

/// The import's statements, prepared once on the catalogue's writer connection: the upsert runs
/// once per product of a file, where GRDB's per-statement conveniences would cost as much as
/// SQLite's own work (STACK.md). Only used inside the writer's transactions, one at a time.
final class ImportStatements: @unchecked Sendable {
    let insert: RawStatement
    let update: RawStatement
    let lookup: RawStatement

    init(_ db: Database) throws {
        guard let connection = db.sqliteConnection else { throw CatalogError.storage("the catalogue database is closed") }
        // The key is unique: a present key makes the insert a no-op (no other constraint can
        // fail — every value is bound or defaulted). Both statements number their parameters
        // alike: ?2 SKU, ?3 key, ?4 name, ?5 description (NULL: keep), ?6 active (NULL: keep), ?7 time.
        insert = try RawStatement(
            connection: connection,
            sql: """
                INSERT OR IGNORE INTO products (id, sku, sku_key, name, description, active, created_at, updated_at)
                VALUES (?1, ?2, ?3, ?4, COALESCE(?5, ''), COALESCE(?6, 1), ?7, ?7)
                """)
        // A product the file leaves as it is is not rewritten (nor its pages, nor its indexes'
        // entries): the second import of a file writes almost nothing, as on PostgreSQL.
        update = try RawStatement(
            connection: connection,
            sql: """
                UPDATE products SET sku = ?2, name = ?4, description = COALESCE(?5, description),
                    active = COALESCE(?6, active), updated_at = ?7
                WHERE sku_key = ?3
                    AND (sku IS NOT ?2 OR name IS NOT ?4 OR description IS NOT COALESCE(?5, description)
                        OR active IS NOT COALESCE(?6, active))
                """)
        lookup = try RawStatement(connection: connection, sql: "SELECT NOT EXISTS (SELECT 1 FROM products WHERE sku_key = ?1)")
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

    /// Two plain statements, not one upsert: telling a creation from an update would need
    /// `RETURNING`, which buffers its result in a temporary table per row (measured: +2.4 s for
    /// 500k rows).
    func write(_ product: ImportedProduct) throws {
        let insert = statements.insert
        insert.reset()
        insert.bindText(1, UUIDv7.make())
        bind(insert, product)
        defer { insert.reset() }
        if try insert.execute() == 1 {
            created += 1
            batchCreated += 1
            return
        }
        // The key exists: the latest row's SKU casing, name, and the columns the file has.
        let update = statements.update
        update.reset()
        bind(update, product)
        defer { update.reset() }
        try update.execute()
    }

    private func bind(_ statement: RawStatement, _ product: ImportedProduct) {
        statement.bindText(2, product.sku)
        statement.bindText(3, product.key)
        statement.bindText(4, product.name)
        if let description = product.description { statement.bindText(5, description) } else { statement.bindNull(5) }
        if let active = product.active { statement.bindInt(6, active ? 1 : 0) } else { statement.bindNull(6) }
        statement.bindDouble(7, time)
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

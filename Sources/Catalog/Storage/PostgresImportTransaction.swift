import Common
import Foundation
import PostgresNIO
import PostgresSupport

/// One transaction of an import on PostgreSQL (`PostgresCatalogStore.writeImport`, DESIGN.md
/// §14): each batch — one record per key, in key order — is encoded in COPY's text format,
/// copied into a temporary table, and merged into the products by one statement: an update
/// where something changed (the description and active flag kept where the file has none), an
/// insert of the new keys, and the product count, all inside the batch's key range so that
/// every look-up is an index range.
final class PostgresImportTransaction: ImportTransaction {
    private let session: PostgresSession
    private let fence: CatalogFence
    private var rows = CopyText()
    /// Whether the batch holds keys to look up (a dry run) rather than products.
    private var probing = false
    /// The batch's first and last keys.
    private var firstKey: String?
    private var lastKey = ""
    /// Batches copied in this transaction: the temporary table is emptied before the next.
    private var batches = 0
    /// The time written into the rows of a batch (taken again after each checkpoint).
    private var time = Date().timeIntervalSince1970

    init(session: PostgresSession, fence: CatalogFence) throws {
        self.session = session
        self.fence = fence
        // One per connection, emptied at each commit.
        try session.execute(
            """
            CREATE TEMP TABLE IF NOT EXISTS import_batch (
                id text COLLATE "C", sku_key text COLLATE "C" NOT NULL, sku text, name text COLLATE "C",
                description text COLLATE "C", active boolean
            ) ON COMMIT DELETE ROWS
            """)
    }

    func write(_ products: [ImportedProduct]) throws {
        guard let first = products.first, let last = products.last else { return }
        if firstKey == nil { firstKey = String(decoding: first.key, as: UTF8.self) }
        lastKey = String(decoding: last.key, as: UTF8.self)
        for product in products {
            rows.field(product.id)
            rows.field(product.key)
            rows.field(product.sku)
            rows.field(product.name)
            if let description = product.description { rows.field(description) } else { rows.null() }
            rows.field(product.active)
            rows.endRow()
        }
    }

    func probe(key: UnsafeRawBufferPointer) throws {
        probing = true
        note(key)
        rows.field(key)
        rows.endRow()
    }

    private func note(_ key: UnsafeRawBufferPointer) {
        let text = String(decoding: key, as: UTF8.self)
        if firstKey == nil { firstKey = text }
        lastKey = text
    }

    func endBatch() throws -> Int {
        guard rows.rows > 0, let firstKey else { return 0 }
        defer {
            rows.reset()
            self.firstKey = nil
            probing = false
            batches += 1
        }
        if batches > 0 { try session.execute("TRUNCATE import_batch") }
        if probing {
            try session.copy(into: "import_batch", columns: ["sku_key"], rows.buffer)
            return try session.first(
                """
                SELECT COUNT(*) AS created FROM import_batch b
                WHERE NOT EXISTS (SELECT 1 FROM products p WHERE p.sku_key = b.sku_key
                    AND p.sku_key BETWEEN \(firstKey) AND \(lastKey))
                """)?.get("created", as: Int.self) ?? 0
        }
        try session.copy(into: "import_batch", columns: ["id", "sku_key", "sku", "name", "description", "active"], rows.buffer)
        // The sub-statements share one snapshot: the update sees only the products that existed,
        // the insert adds only the keys that did not (a key a manual write took meanwhile is
        // left to it). Rows whose values are the same are not rewritten.
        return try session.first(
            """
            WITH updated AS (
                UPDATE products p SET sku = b.sku, name = b.name, description = COALESCE(b.description, p.description),
                    active = COALESCE(b.active, p.active), updated_at = \(time)
                FROM import_batch b
                WHERE p.sku_key = b.sku_key AND p.sku_key BETWEEN \(firstKey) AND \(lastKey)
                    AND (p.sku, p.name, p.description, p.active)
                        IS DISTINCT FROM (b.sku, b.name, COALESCE(b.description, p.description), COALESCE(b.active, p.active))
                RETURNING 1
            ), inserted AS (
                INSERT INTO products (id, sku, sku_key, name, description, active, created_at, updated_at)
                SELECT b.id, b.sku, b.sku_key, b.name, COALESCE(b.description, ''), COALESCE(b.active, true), \(time), \(time)
                FROM import_batch b
                WHERE NOT EXISTS (SELECT 1 FROM products p WHERE p.sku_key = b.sku_key
                    AND p.sku_key BETWEEN \(firstKey) AND \(lastKey))
                ORDER BY b.sku_key
                ON CONFLICT (sku_key) DO NOTHING
                RETURNING 1
            ), counted AS (
                UPDATE catalog_stats SET products = products + (SELECT COUNT(*) FROM inserted) WHERE id = 1
            )
            SELECT (SELECT COUNT(*) FROM inserted) AS created
            """)?.get("created", as: Int.self) ?? 0
    }

    func checkpoint(_ checkpoint: ImportCheckpoint) throws {
        let key = checkpoint.lastKey.map { Data($0) }
        try session.execute(
            """
            UPDATE imports SET created = \(checkpoint.created), updated = \(checkpoint.updated),
                rows_merged = \(checkpoint.rowsMerged), checkpoint_key = COALESCE(\(key), checkpoint_key)
            WHERE id = \(fence.holder)
            """)
        time = Date().timeIntervalSince1970
    }
}

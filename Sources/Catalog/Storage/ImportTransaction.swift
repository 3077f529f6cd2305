/// The writes of an import inside one transaction of `ImportRunStore.writeImport`, a batch at a
/// time: the batch's products (or, in a dry run, its keys), each key once and in key order, then
/// `endBatch`, then the checkpoint.
/// A backend may write each product at once (SQLite) or hold the batch and write it whole at
/// `endBatch` (PostgreSQL's `COPY`).
public protocol ImportTransaction {
    /// Inserts each product, or updates the one with its key (the SKU's casing, the name, and
    /// the description and active flag when the file has them). The products' keys are distinct
    /// and in key order; their views are valid during the call.
    func write(_ products: [ImportedProduct]) throws

    /// Dry run: looks the key up, writing nothing.
    func probe(key: UnsafeRawBufferPointer) throws

    /// Finishes the batch's writes (or lookups): how many of its keys had no product yet.
    func endBatch() throws -> Int

    /// The import's counts and the last key written, committed with the products.
    func checkpoint(_ checkpoint: ImportCheckpoint) throws
}

/// One product of an import, as views into the merge's buffers: bound to the statement without
/// a copy.
public struct ImportedProduct {
    /// A new UUIDv7 (text form): the product's id if this write creates it.
    public var id: UnsafeRawBufferPointer
    /// The Unicode lowercase SKU: the product's identity.
    public var key: UnsafeRawBufferPointer
    /// The SKU as written in the file's last row for the key.
    public var sku: UnsafeRawBufferPointer
    public var name: UnsafeRawBufferPointer
    /// nil when the file has no `description` column: an existing description is kept.
    public var description: UnsafeRawBufferPointer?
    /// nil when the file has no `active` column (or the cell is empty): an existing flag is kept.
    public var active: Bool?

    public init(
        id: UnsafeRawBufferPointer, key: UnsafeRawBufferPointer, sku: UnsafeRawBufferPointer, name: UnsafeRawBufferPointer,
        description: UnsafeRawBufferPointer?, active: Bool?
    ) {
        self.id = id
        self.key = key
        self.sku = sku
        self.name = name
        self.description = description
        self.active = active
    }
}

/// Where an import is, committed with each batch: a resumed import continues after `lastKey`
/// with these counts.
public struct ImportCheckpoint: Sendable, Equatable {
    public var created: Int
    public var updated: Int
    /// Valid rows of the file whose key has been written.
    public var rowsMerged: Int
    /// The last key written; nil keeps the previous one (a batch that wrote nothing).
    public var lastKey: [UInt8]?

    public init(created: Int, updated: Int, rowsMerged: Int, lastKey: [UInt8]?) {
        self.created = created
        self.updated = updated
        self.rowsMerged = rowsMerged
        self.lastKey = lastKey
    }
}

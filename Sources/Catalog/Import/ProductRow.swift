/// A valid row, ready to upsert.
public struct ProductRow: Sendable, Equatable {
    /// The Unicode lowercase SKU: the product's identity.
    public var skuKey: String
    /// The SKU as written (trimmed): the stored casing is the latest row's.
    public var sku: String
    public var name: String
    /// nil when the file has no `description` column: an existing description is kept.
    public var description: String?
    /// nil when the file has no `active` column (or the cell is empty): an existing flag is kept.
    public var active: Bool?
}

/// A rejected row: where, which column, why (DESIGN.md §7).
public struct RowError: Error, Sendable, Equatable {
    public var line: Int
    public var column: String?
    public var reason: String
    public var raw: String
}

/// Filters of the product listing (DESIGN.md §6).
public struct ProductFilter: Sendable, Equatable {
    /// Case-insensitive SKU prefix (served by the `sku_key` index).
    public var skuPrefix: String?
    /// Case-insensitive substrings (ASCII case folding: SQLite's `lower()` without ICU).
    public var name: String?
    public var description: String?
    public var active: Bool?
    public var limit = 20
    public var offset = 0
    /// Keyset paging: products older than this id (the last id of the previous page).
    public var cursor: String?

    public init() {}
}

/// The products table as the listing and the product pages read it (DESIGN.md §6, §10).
public protocol ProductStore: Sendable {
    /// nil for an unknown id.
    func product(id: String) async throws -> Product?

    /// A page of products, newest first, and the exact number matching the filter.
    func products(_ filter: ProductFilter) async throws -> (items: [Product], total: Int)
}

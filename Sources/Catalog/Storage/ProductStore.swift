/// The products table (DESIGN.md §6, §10): the listing and one product, and the manual writes.
/// Each write is one method and one short transaction — the transaction a later change (a
/// webhook event row) joins — and keeps the product count in it. Manual writes do not take the
/// catalogue lock: they are accepted while an import runs, and the last writer wins.
public protocol ProductStore: Sendable {
    /// nil for an unknown id.
    func product(id: String) async throws -> Product?

    /// A page of products, newest first, and the exact number matching the filter.
    func products(_ filter: ProductFilter) async throws -> (items: [Product], total: Int)

    /// The number of products.
    func productCount() async throws -> Int

    /// Creates a product with a new id; `skuExists` when another product has its SKU key.
    func createProduct(_ draft: ProductDraft) async throws -> Product

    /// Applies `changes` (only the fields they hold); returns the product as stored. Nothing is
    /// written when nothing changes. `productNotFound`; `preconditionFailed` when the product's
    /// version is not what `precondition` allows; `skuExists` when another product has the new
    /// SKU key (a new casing of the product's own SKU is fine).
    func updateProduct(id: String, _ changes: ProductChanges, precondition: ProductPrecondition) async throws -> Product

    /// Deletes the product: `productNotFound`, `preconditionFailed`.
    func deleteProduct(id: String, precondition: ProductPrecondition) async throws
}

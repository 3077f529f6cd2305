import Foundation

/// A product as stored.
public struct Product: Sendable, Equatable {
    public var id: String
    public var sku: String
    public var name: String
    public var description: String
    public var active: Bool
    public var createdAt: Date
    public var updatedAt: Date

    /// The product's version: its `updated_at` in milliseconds, which every write moves forward
    /// (the `ETag` is `W/"<version>"`).
    public var version: Int64 { Int64((updatedAt.timeIntervalSince1970 * 1000).rounded()) }

    /// `W/"<version>"`.
    public var etag: String { "W/\"\(version)\"" }
}

/// What a client's `If-Match` asks of the product it writes.
public enum ProductPrecondition: Sendable, Equatable {
    /// No `If-Match`: last writer wins.
    case none
    /// `If-Match: *`: the product must exist.
    case exists
    /// One of these versions (`W/"<version>"` or `"<version>"`); a tag that is not one of ours
    /// matches nothing.
    case versions([Int64])

    /// Whether a product at `version` may be written.
    public func allows(_ version: Int64) -> Bool {
        switch self {
        case .none, .exists: return true
        case .versions(let versions): return versions.contains(version)
        }
    }
}

extension Product {
    /// The product with the fields `changes` holds; its `updatedAt` unchanged.
    func applying(_ changes: ProductChanges) -> Product {
        var next = self
        next.sku = changes.sku ?? sku
        next.name = changes.name ?? name
        next.description = changes.description ?? description
        next.active = changes.active ?? active
        return next
    }

    /// The `updated_at` of the next write at `now`: the version (milliseconds) moves forward with
    /// every write, even two in one millisecond.
    func nextUpdateTime(now: Double) -> Double {
        max(now, Double(version + 1) / 1000)
    }
}

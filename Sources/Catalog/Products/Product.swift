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
}

import TaskQueue

/// A new product, checked against the catalogue's rules (DESIGN.md §7, §10).
public struct ProductDraft: Sendable, Equatable {
    /// Trimmed.
    public var sku: String
    /// The SKU's Unicode lowercase form: the product's identity.
    public var skuKey: String
    /// Trimmed.
    public var name: String
    public var description: String
    public var active: Bool
}

/// A change to some of a product's fields, each checked; nil fields stay as they are.
public struct ProductChanges: Sendable, Equatable {
    public var sku: String?
    public var skuKey: String?
    public var name: String?
    public var description: String?
    public var active: Bool?

    public init() {}

    public var isEmpty: Bool { sku == nil && name == nil && description == nil && active == nil }
}

/// The rules of a manual write, the CSV rows' own (DESIGN.md §7): a trimmed SKU of 1–255
/// characters (Unicode scalars) and a trimmed name of 1–1,024, a description of at most 65,536,
/// no NUL character, `active` a JSON boolean. Unknown fields are ignored; a null description is
/// stored as "". Errors name the field (`CatalogError.invalid`).
public enum ProductInput {
    static let fields = ["sku", "name", "description", "active"]

    /// A new product from a JSON body: `sku` and `name` required, `active` true by default.
    public static func draft(_ body: [String: JSONValue]) throws(CatalogError) -> ProductDraft {
        let changes = try changes(body, requireAny: false)
        guard let sku = changes.sku, let skuKey = changes.skuKey else {
            throw CatalogError.invalid(field: "sku", "the SKU is required")
        }
        guard let name = changes.name else { throw CatalogError.invalid(field: "name", "the name is required") }
        return ProductDraft(
            sku: sku, skuKey: skuKey, name: name, description: changes.description ?? "", active: changes.active ?? true)
    }

    /// A partial change from a JSON body: at least one of `sku`, `name`, `description`, `active`.
    public static func changes(_ body: [String: JSONValue], requireAny: Bool = true) throws(CatalogError) -> ProductChanges {
        var changes = ProductChanges()
        if let value = body["sku"] {
            let sku = try text(value, field: "sku", what: "the SKU", limit: (255, "255"), trim: true)
            changes.sku = sku
            changes.skuKey = String(decoding: RowValidator.lowercased(ArraySlice(sku.utf8)), as: UTF8.self)
        }
        if let value = body["name"] {
            changes.name = try text(value, field: "name", what: "the name", limit: (1024, "1,024"), trim: true)
        }
        if let value = body["description"] {
            changes.description =
                value == .null
                ? "" : try text(value, field: "description", what: "the description", limit: (65_536, "65,536"), trim: false)
        }
        if let value = body["active"] {
            guard let flag = value.boolValue else { throw CatalogError.invalid(field: "active", "must be true or false") }
            changes.active = flag
        }
        if requireAny && changes.isEmpty {
            throw CatalogError.invalid(field: "body", "give at least one of \(fields.joined(separator: ", "))")
        }
        return changes
    }

    /// A string field: not null, trimmed if asked, not empty when trimmed, at most `limit`
    /// scalars, no NUL.
    private static func text(
        _ value: JSONValue, field: String, what: String, limit: (scalars: Int, text: String), trim: Bool
    ) throws(CatalogError) -> String {
        guard let raw = value.stringValue else {
            throw CatalogError.invalid(field: field, value == .null ? "must not be null" : "must be a string")
        }
        guard !raw.utf8.contains(0) else { throw CatalogError.invalid(field: field, "must not contain a NUL character") }
        let bytes = trim ? RowValidator.trimmed(ArraySlice(raw.utf8)) : ArraySlice(raw.utf8)
        if trim && bytes.isEmpty { throw CatalogError.invalid(field: field, "\(what) is empty") }
        guard RowValidator.scalarCount(bytes, atMost: limit.scalars) else {
            throw CatalogError.invalid(field: field, "\(what) is over \(limit.text) characters")
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

import TaskQueue

extension Product {
    /// The product as the API shows it and webhook events carry it.
    public var json: JSONValue {
        [
            "id": .string(id), "sku": .string(sku), "name": .string(name), "description": .string(description),
            "active": .bool(active), "created_at": .string(ISO8601.string(createdAt)),
            "updated_at": .string(ISO8601.string(updatedAt)),
        ]
    }

    /// The data of `product.updated`: the product as it is now, with its `changes` since `earlier`.
    func updateEventData(since earlier: Product) -> JSONValue {
        guard case .object(var data) = json else { return json }
        data["changes"] = .object(changes(since: earlier))
        return .object(data)
    }

    /// `{field: [old, new]}` for each field that differs from `earlier` (sku, name, description,
    /// active).
    public func changes(since earlier: Product) -> [String: JSONValue] {
        var changes: [String: JSONValue] = [:]
        if sku != earlier.sku { changes["sku"] = [.string(earlier.sku), .string(sku)] }
        if name != earlier.name { changes["name"] = [.string(earlier.name), .string(name)] }
        if description != earlier.description { changes["description"] = [.string(earlier.description), .string(description)] }
        if active != earlier.active { changes["active"] = [.bool(earlier.active), .bool(active)] }
        return changes
    }
}

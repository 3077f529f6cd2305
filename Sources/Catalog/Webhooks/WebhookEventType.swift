import TaskQueue

/// The events a webhook subscribes to (DESIGN.md §11). Each is written to the outbox in the
/// transaction of the change it describes; a CSV import sends no per-row events.
public enum WebhookEventType: String, CaseIterable, Sendable {
    case productCreated = "product.created"
    case productUpdated = "product.updated"
    case productDeleted = "product.deleted"
    case productsBulkDeleted = "products.bulk_deleted"
    case importStarted = "import.started"
    case importCompleted = "import.completed"
    case importFailed = "import.failed"

    public var summary: String {
        switch self {
        case .productCreated: return "A product was created through the API; data is the product."
        case .productUpdated:
            return "A product was changed through the API (only when something changed); data is the product and "
                + "changes: {field: [old, new]}."
        case .productDeleted: return "A product was deleted through the API; data is its last state."
        case .productsBulkDeleted: return "A bulk delete finished; data is {task_id, deleted_count}."
        case .importStarted: return "An import started its first run; data is {import_id, task_id, filename}."
        case .importCompleted:
            return "An import finished; data is its summary: {import_id, task_id, filename, created, updated, skipped, "
                + "rows_processed, duration_seconds, dry_run}."
        case .importFailed: return "An import failed for good; data is {import_id, task_id, filename, error}."
        }
    }

    /// An example of `data`.
    public var sample: JSONValue {
        let product: JSONValue = [
            "id": "01938a6e-8b1c-7d2e-9f00-1a2b3c4d5e6f", "sku": "SKU-1001", "name": "Lamp", "description": "Desk lamp",
            "active": true, "created_at": "2026-12-03T12:00:00.000Z", "updated_at": "2026-12-03T12:00:00.000Z",
        ]
        switch self {
        case .productCreated, .productDeleted: return product
        case .productUpdated:
            guard case .object(var data) = product else { return product }
            data["name"] = "Desk lamp"
            data["changes"] = ["name": ["Lamp", "Desk lamp"]]
            return .object(data)
        case .productsBulkDeleted: return ["task_id": "01938a6e-0000-7000-8000-000000000001", "deleted_count": 484_870]
        case .importStarted:
            return [
                "import_id": "01938a6e-0000-7000-8000-000000000002", "task_id": "01938a6e-0000-7000-8000-000000000003",
                "filename": "products.csv",
            ]
        case .importCompleted:
            return [
                "import_id": "01938a6e-0000-7000-8000-000000000002", "task_id": "01938a6e-0000-7000-8000-000000000003",
                "filename": "products.csv", "created": 484_870, "updated": 15_130, "skipped": 0, "rows_processed": 500_000,
                "duration_seconds": 2.8, "dry_run": false,
            ]
        case .importFailed:
            return [
                "import_id": "01938a6e-0000-7000-8000-000000000002", "task_id": "01938a6e-0000-7000-8000-000000000003",
                "filename": "products.csv", "error": "the file is UTF-16: save it as UTF-8 CSV",
            ]
        }
    }
}

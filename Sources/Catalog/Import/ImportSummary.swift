import TaskQueue

/// The counts of a finished import, as the task's result (DESIGN.md §7).
public struct ImportSummary: Sendable, Equatable {
    public var importID: String
    public var created: Int
    public var updated: Int
    public var skipped: Int
    public var rowsProcessed: Int
    public var durationSeconds: Double

    public var json: JSONValue {
        [
            "import_id": .string(importID), "created": .int(Int64(created)), "updated": .int(Int64(updated)),
            "skipped": .int(Int64(skipped)), "rows_processed": .int(Int64(rowsProcessed)),
            "duration_seconds": .double((durationSeconds * 1000).rounded() / 1000),
        ]
    }
}

import TaskQueue

/// The counts of a finished import, as the task's result (DESIGN.md §7).
public struct ImportSummary: Sendable, Equatable {
    public var importID: String
    public var created: Int
    public var updated: Int
    public var skipped: Int
    public var rowsProcessed: Int
    public var durationSeconds: Double
    /// Where this delivery's time went. The rest of `durationSeconds` is the lock and the records.
    public var stages = ImportStages()

    public var json: JSONValue {
        [
            "import_id": .string(importID), "created": .int(Int64(created)), "updated": .int(Int64(updated)),
            "skipped": .int(Int64(skipped)), "rows_processed": .int(Int64(rowsProcessed)),
            "duration_seconds": .double(Self.milliseconds(durationSeconds)),
            "stages": stages.json,
        ]
    }

    private static func milliseconds(_ seconds: Double) -> Double { (seconds * 1000).rounded() / 1000 }
}

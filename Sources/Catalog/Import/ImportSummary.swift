import TaskQueue

/// The counts of a finished import, as the task's result (DESIGN.md §7).
public struct ImportSummary: Sendable, Equatable {
    public var importID: String
    public var created: Int
    public var updated: Int
    public var skipped: Int
    public var rowsProcessed: Int
    public var durationSeconds: Double
    /// Where this delivery's time went: reading (parse, validate, sort into runs) and merging
    /// (the runs merged and written in batches). The rest of `durationSeconds` is the lock and
    /// the records.
    public var readSeconds: Double = 0
    public var mergeSeconds: Double = 0

    public var json: JSONValue {
        [
            "import_id": .string(importID), "created": .int(Int64(created)), "updated": .int(Int64(updated)),
            "skipped": .int(Int64(skipped)), "rows_processed": .int(Int64(rowsProcessed)),
            "duration_seconds": .double(Self.milliseconds(durationSeconds)),
            "stages": ["read_seconds": .double(Self.milliseconds(readSeconds)), "merge_seconds": .double(Self.milliseconds(mergeSeconds))],
        ]
    }

    private static func milliseconds(_ seconds: Double) -> Double { (seconds * 1000).rounded() / 1000 }
}

extension Duration {
    /// The duration in seconds.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

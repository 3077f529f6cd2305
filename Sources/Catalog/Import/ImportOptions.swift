import TaskQueue

/// The `options` of `process_csv_import` (DESIGN.md §7) plus the engine's own limits.
public struct ImportOptions: Sendable, Equatable {
    /// All or nothing: one transaction for the whole file.
    public var atomic: Bool
    /// Validate and count what would change; write no product.
    public var dryRun: Bool
    /// Keys per committed batch of the merge (each with its checkpoint).
    public var batchRows: Int
    /// Memory for rows waiting to be sorted into a run (the external sort's arena).
    public var sortMemoryBytes: Int
    /// `csv_max_field_bytes`.
    public var maxFieldBytes: Int

    public init(
        atomic: Bool = false, dryRun: Bool = false, batchRows: Int = 20_000, maxFieldBytes: Int = 1 << 20,
        sortMemoryBytes: Int = 16 << 20
    ) {
        self.atomic = atomic
        self.dryRun = dryRun
        self.batchRows = batchRows
        self.sortMemoryBytes = sortMemoryBytes
        self.maxFieldBytes = maxFieldBytes
    }

    /// Reads `{"atomic": bool, "dry_run": bool}`; unknown keys or wrong types are a failure.
    public init(json: JSONValue?, defaults: ImportOptions) throws {
        self = defaults
        guard let json, json != .null else { return }
        guard let object = json.objectValue else { throw ImportFailure("options must be a JSON object") }
        for (key, value) in object {
            switch key {
            case "atomic":
                guard let flag = value.boolValue else { throw ImportFailure("options.atomic must be true or false") }
                atomic = flag
            case "dry_run":
                guard let flag = value.boolValue else { throw ImportFailure("options.dry_run must be true or false") }
                dryRun = flag
            default:
                throw ImportFailure("unknown option '\(key)' (known: atomic, dry_run)")
            }
        }
    }

    var json: JSONValue { ["atomic": .bool(atomic), "dry_run": .bool(dryRun)] }
}

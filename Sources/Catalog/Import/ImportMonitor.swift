import TaskQueue

/// What an import reports to, and is stopped by, while it runs (the task's context).
public protocol ImportMonitor: Sendable {
    /// Throws when the import must stop (revoked, shutdown): checked at batch boundaries.
    func checkCancellation() throws
    /// Best-effort progress `meta` (DESIGN.md §7).
    func progress(_ meta: JSONValue)
}

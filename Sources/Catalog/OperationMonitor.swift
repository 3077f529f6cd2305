import TaskQueue

/// What a long catalogue operation (an import, a bulk delete) reports to, and is stopped by,
/// while it runs: its task's context.
public protocol OperationMonitor: Sendable {
    /// Throws when the operation must stop (revoked, shutdown): checked at batch boundaries.
    func checkCancellation() throws
    /// Best-effort progress `meta` (DESIGN.md §7, §10).
    func progress(_ meta: JSONValue)
}

/// An operator's request to one worker process (DESIGN.md §13), persisted like a revocation and
/// obeyed within a second by the worker, whichever process asked.
public enum WorkerControl: String, Sendable, Codable, CaseIterable {
    /// Stop claiming jobs; running ones finish. Undone by clearing the request (resume).
    case quiet
    /// Warm shutdown: stop claiming, finish running jobs within `shutdown_grace`, then end.
    case stop
}

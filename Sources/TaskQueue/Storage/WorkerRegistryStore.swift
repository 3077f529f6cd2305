import Foundation

/// The worker processes, as their heartbeats record them: what `inspect` and the workers
/// endpoint read, and how `restore` knows the appliance still runs; and the operators' control
/// requests to them (quiet, stop). A worker's heartbeat forgets rows silent for a day
/// (`WorkerInfo.forgottenAfter`) with their requests; `removeWorker` drops its request too.
public protocol WorkerRegistryStore: Sendable {
    func heartbeat(_ worker: WorkerInfo) async throws
    func removeWorker(name: String) async throws
    /// Workers whose last heartbeat is newer than `seenWithin` seconds.
    func workers(seenWithin: TimeInterval) async throws -> [WorkerInfo]
    /// Persists `control` for the worker `name` (nil clears it); a stop is never replaced by a
    /// quiet, nor cleared. Returns the request in force afterwards.
    @discardableResult
    func setControl(_ control: WorkerControl?, worker name: String) async throws -> WorkerControl?
    /// Requests in force, by worker name.
    func workerControls() async throws -> [String: WorkerControl]
}

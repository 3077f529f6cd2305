import Foundation

/// The worker processes, as their heartbeats record them: what `inspect` and the workers
/// endpoint read, and how `restore` knows the appliance still runs.
public protocol WorkerRegistryStore: Sendable {
    func heartbeat(_ worker: WorkerInfo) async throws
    func removeWorker(name: String) async throws
    /// Workers whose last heartbeat is newer than `seenWithin` seconds.
    func workers(seenWithin: TimeInterval) async throws -> [WorkerInfo]
}

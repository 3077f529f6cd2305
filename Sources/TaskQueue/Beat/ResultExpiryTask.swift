import Dispatch
import Foundation
import Synchronization

/// The task of the built-in `result_expiry` schedule (Celery's `celery.backend_cleanup`):
/// deletes `SUCCESS`/`REVOKED` jobs past `result_expires` and `FAILURE` jobs past
/// `failure_retention`, in chunks of `chunk` jobs (one short transaction each), and returns
/// `{"deleted": n}`.
public enum ResultExpiryTask {
    public static let name = "importer.result_expiry"

    public static func register(into registry: inout TaskRegistry, store: any QueueAdminStore, chunk: Int = 500) {
        registry.register(
            TaskDefinition(name: name) { context in
                var deleted = 0
                while true {
                    try context.checkCancellation()
                    let count = try waitBlocking { try await store.deleteExpired(limit: chunk) }
                    deleted += count
                    if count < chunk { break }
                }
                return ["deleted": .int(Int64(deleted))]
            })
    }
}

/// Runs async work from a task body's own thread (never the cooperative pool), waiting for it.
func waitBlocking<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) throws -> T {
    let outcome = Mutex<Result<T, any Error>?>(nil)
    let done = DispatchSemaphore(value: 0)
    Task {
        let result: Result<T, any Error>
        do { result = .success(try await work()) } catch { result = .failure(error) }
        outcome.withLock { $0 = result }
        done.signal()
    }
    done.wait()
    return try outcome.withLock { $0! }.get()
}

import Foundation
import TaskQueue

/// Runs a bulk delete (DESIGN.md §10): waits for the catalogue lock (a running import finishes
/// first), fixes the boundary on its first run, then deletes in batches of `batchSize` products,
/// each committed with the count and its progress, checking for a revoke between batches. A
/// redelivered or retried run takes the lock over and continues where the last batch ended.
final class BulkDeleter {
    let store: any BulkDeleteStore
    let fence: CatalogFence
    let monitor: any OperationMonitor
    let batchSize: Int
    private let lock: CatalogLock
    private var lastProgress = Date.distantPast

    /// Large enough that a batch's commit is cheap next to its work, small enough that a revoke
    /// or a manual write waits a few tens of milliseconds at most.
    static let defaultBatchSize = 20_000

    init(store: any BulkDeleteStore, deleteID: String, token: Int64, monitor: any OperationMonitor, batchSize: Int = defaultBatchSize) {
        self.store = store
        self.fence = CatalogFence(holder: deleteID, token: token)
        self.monitor = monitor
        self.batchSize = batchSize
        self.lock = CatalogLock(store: store, fence: fence)
    }

    /// Deletes to the end; returns the task's result `{status, message, deleted_count, kept_new}`.
    func run() throws -> JSONValue {
        do {
            try lock.acquire(monitor: monitor)
        } catch let cancelled as TaskCancelled {
            try? store.revokeUnstartedBulkDelete(id: fence.holder)
            throw cancelled
        }
        defer { store.endBulkWrites() }
        do {
            try store.beginBulkWrites()
            var record = try store.startBulkDelete(fence)
            report(record, force: true)
            while true {
                try monitor.checkCancellation()
                let deleted = try store.deleteProductBatch(fence, limit: batchSize)
                record.deletedCount += deleted
                report(record, force: false)
                if deleted < batchSize { break }
            }
            let message = "Successfully deleted \(record.deletedCount) products"
            let finished = try store.finishBulkDelete(fence, state: .success, message: message, error: nil)
            lock.release()
            report(finished, force: true)
            return [
                "status": "success", "message": .string(message), "deleted_count": .int(Int64(finished.deletedCount)),
                "kept_new": .int(Int64(finished.keptNew)),
            ]
        } catch let error as CatalogError where error.isLockLost {
            // A newer delivery took over: it records the outcome, this one stops.
            throw TaskErrorInfo(type: "BulkDeleteStopped", message: error.message)
        } catch let cancelled as TaskCancelled {
            let revoked = cancelled.reason == .revoked
            _ = try? store.finishBulkDelete(fence, state: revoked ? .revoked : .failure, message: revoked ? "Revoked" : "\(cancelled)", error: nil)
            lock.release()
            throw cancelled
        } catch let error as CatalogError where error.isTransient {
            // Retried later: the next delivery takes the lock over and continues.
            throw RetryableError("the catalogue database is busy or failed to write: \(error.message)")
        } catch {
            let message = "the bulk delete failed: \(error)"
            _ = try? store.finishBulkDelete(fence, state: .failure, message: message, error: message)
            lock.release()
            throw TaskErrorInfo(type: "BulkDeleteFailed", message: message)
        }
    }

    /// Progress to the queue at least once a second (every batch of a slow catalogue).
    private func report(_ record: BulkDeleteRecord, force: Bool) {
        let now = Date()
        guard force || now.timeIntervalSince(lastProgress) >= 0.5 else { return }
        lastProgress = now
        let complete = record.state == .success
        let meta: JSONValue = [
            "stage": .string(complete ? "complete" : "deleting"),
            "message": .string(complete ? record.message ?? "" : "Deleting \(record.total) products…"),
            "deleted_count": .int(Int64(record.deletedCount)), "total": .int(Int64(record.total)),
            "percent": .double(record.percent),
        ]
        monitor.progress(meta)
    }
}

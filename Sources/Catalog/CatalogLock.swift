import Foundation
import TaskQueue

/// The catalogue lock as an import or a bulk delete takes it: one at a time, and only its current
/// delivery — identified by the queue lease's fencing token — may write. A redelivered operation
/// takes the lock over with its new token, so a stale delivery's next write is refused.
struct CatalogLock {
    let store: any CatalogLockStore
    let fence: CatalogFence

    /// A holder silent for this long (no batch, no progress) is presumed dead.
    static let staleAfter: TimeInterval = 60

    /// Waits (checking cancellation) until the lock is free, held by this import, or stale.
    func acquire(monitor: any OperationMonitor) throws {
        while true {
            try monitor.checkCancellation()
            do {
                if try store.takeCatalogLock(fence, staleAfter: Self.staleAfter) { return }
            } catch let error as CatalogError where error.isLockLost {
                throw ImportFailure(error.message)
            }
            Thread.sleep(forTimeInterval: 0.25)
        }
    }

    func release() {
        try? store.releaseCatalogLock(fence)
    }
}

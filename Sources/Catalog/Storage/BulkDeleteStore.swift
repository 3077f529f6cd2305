import Foundation

/// Deleting every product through the queue (DESIGN.md §10): the record a submission creates,
/// and what the task writes. The task holds the catalogue lock (it waits for a running import);
/// each batch is fenced by its delivery's token and commits the product count and the record's
/// `deleted_count` with the deletions.
public protocol BulkDeleteStore: CatalogLockStore {
    /// Records a bulk delete about to be enqueued (`PENDING`). With `expectedTotal`, the product
    /// count must be that number, checked in the same transaction: else `countChanged`.
    func createBulkDelete(id: String, expectedTotal: Int?) async throws -> BulkDeleteRecord

    /// Links a record created before its task existed to the task's id.
    func attachBulkDelete(id: String, taskID: String) async throws

    func bulkDelete(taskID: String) async throws -> BulkDeleteRecord?

    // MARK: For the task (a worker's thread)

    /// The record of a delivery of `bulk_delete_products`: the one named by `deleteID` (linked
    /// to `taskID` if it was not yet), else an earlier delivery's, else a new one. Returns its id.
    func bulkDeleteForTask(taskID: String, deleteID: String?) throws -> String

    /// `RUNNING`. The first run fixes the boundary (the newest product id) and the total (the
    /// product count) in one transaction; a later delivery keeps them.
    func startBulkDelete(_ fence: CatalogFence) throws -> BulkDeleteRecord

    /// Deletes up to `limit` of the products at or before the boundary, oldest first, with the
    /// product count and the record's `deleted_count`; returns how many it deleted.
    func deleteProductBatch(_ fence: CatalogFence, limit: Int) throws -> Int

    /// The end, recorded while this delivery holds the lock; a success also counts the products
    /// created since the start (`kept_new`).
    func finishBulkDelete(_ fence: CatalogFence, state: BulkDeleteRecord.State, message: String, error: String?) throws
        -> BulkDeleteRecord

    /// Marks a bulk delete that never started (revoked while it waited for the lock) `REVOKED`.
    func revokeUnstartedBulkDelete(id: String) throws

    /// Deletes finished records created before `cutoff`; returns how many.
    func deleteFinishedBulkDeletes(createdBefore cutoff: Date) throws -> Int
}

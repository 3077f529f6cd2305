import Common
import Foundation
import TaskQueue

/// Records a bulk delete and enqueues `bulk_delete_products` for it (the API's `DELETE
/// /products/all` and `importer products delete-all`).
public struct BulkDeleteSubmitter: Sendable {
    public let catalog: CatalogContext
    public let client: QueueClient

    public init(catalog: CatalogContext, client: QueueClient) {
        self.catalog = catalog
        self.client = client
    }

    /// Answers once the job is committed. With `expectedTotal`, refuses (`countChanged`) unless
    /// the catalogue holds exactly that many products.
    public func submit(expectedTotal: Int? = nil) async throws -> (deleteID: String, taskID: String) {
        let deleteID = UUIDv7.make()
        _ = try await catalog.store.createBulkDelete(id: deleteID, expectedTotal: expectedTotal)
        let submitted = try await client.submit(
            TaskSubmission(name: ProductTasks.bulkDeleteProducts, kwargs: ["delete_id": .string(deleteID)]))
        try await catalog.store.attachBulkDelete(id: deleteID, taskID: submitted.id)
        return (deleteID, submitted.id)
    }
}

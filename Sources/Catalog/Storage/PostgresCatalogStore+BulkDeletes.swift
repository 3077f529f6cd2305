import Common
import Foundation
import PostgresNIO
import PostgresSupport
import TaskQueue

/// Bulk deletes (`BulkDeleteStore`) on PostgreSQL: the record, and batches that delete in id
/// order up to the boundary, each fenced by the catalogue lock.
extension PostgresCatalogStore {
    public func createBulkDelete(id: String, expectedTotal: Int?) async throws -> BulkDeleteRecord {
        let now = Self.now
        return try await transaction { session in
            if let expectedTotal {
                // The count's row stays locked to the commit: no product is created or deleted in between.
                let actual = try session.first("SELECT products FROM catalog_stats WHERE id = 1 FOR SHARE")?
                    .get("products", as: Int.self) ?? 0
                guard actual == expectedTotal else { throw CatalogError.countChanged(expected: expectedTotal, actual: actual) }
            }
            try session.execute(
                "INSERT INTO bulk_deletes (id, state, message, created_at) VALUES (\(id), 'PENDING', 'Waiting for a worker', \(now))")
            return try Self.bulkDelete(session, id: id)
        }
    }

    public func attachBulkDelete(id: String, taskID: String) async throws {
        try await session { session in
            try session.execute("UPDATE bulk_deletes SET task_id = \(taskID) WHERE id = \(id)")
        }
    }

    public func bulkDelete(taskID: String) async throws -> BulkDeleteRecord? {
        try await session { session in
            try session.first("SELECT * FROM bulk_deletes WHERE task_id = \(taskID)").map(Self.bulkDeleteRecord)
        }
    }

    public func bulkDeleteForTask(taskID: String, deleteID: String?) throws -> String {
        try transactionSync { session -> String in
            if let id = deleteID, try session.first("SELECT 1 FROM bulk_deletes WHERE id = \(id)") != nil {
                try session.execute("UPDATE bulk_deletes SET task_id = \(taskID) WHERE id = \(id) AND task_id IS NULL")
                return id
            }
            if let row = try session.first("SELECT id FROM bulk_deletes WHERE task_id = \(taskID)") { return try row.get("id") }
            let id = UUIDv7.make()
            let row = try session.first(
                """
                INSERT INTO bulk_deletes (id, task_id, state, created_at) VALUES (\(id), \(taskID), 'PENDING', \(Self.now))
                ON CONFLICT (task_id) DO UPDATE SET task_id = EXCLUDED.task_id
                RETURNING id
                """)
            return try row?.get("id") ?? id
        }
    }

    public func startBulkDelete(_ fence: CatalogFence) throws -> BulkDeleteRecord {
        try transactionSync { session in
            try Self.fence(session, fence)
            // The first run fixes what "the products that existed" means: ids up to the newest.
            try session.execute(
                """
                UPDATE bulk_deletes SET boundary = (SELECT MAX(id) FROM products),
                    total = (SELECT products FROM catalog_stats WHERE id = 1), started_at = \(Self.now)
                WHERE id = \(fence.holder) AND started_at IS NULL
                """)
            try session.execute("UPDATE bulk_deletes SET state = 'RUNNING', message = 'Deleting' WHERE id = \(fence.holder)")
            return try Self.bulkDelete(session, id: fence.holder)
        }
    }

    public func deleteProductBatch(_ fence: CatalogFence, limit: Int) throws -> Int {
        try transactionSync { session in
            try Self.fence(session, fence)
            guard let boundary = try session.first("SELECT boundary FROM bulk_deletes WHERE id = \(fence.holder)")?
                .get("boundary", as: String?.self)
            else { return 0 }
            let deleted = try session.first(
                """
                WITH gone AS (
                    DELETE FROM products WHERE id IN (
                        SELECT id FROM products WHERE id <= \(boundary) ORDER BY id LIMIT \(limit))
                    RETURNING 1
                ), counted AS (
                    UPDATE catalog_stats SET products = products - (SELECT COUNT(*) FROM gone) WHERE id = 1
                ), recorded AS (
                    UPDATE bulk_deletes SET deleted_count = deleted_count + (SELECT COUNT(*) FROM gone) WHERE id = \(fence.holder)
                )
                SELECT COUNT(*) AS deleted FROM gone
                """)?.get("deleted", as: Int.self) ?? 0
            return deleted
        }
    }

    public func finishBulkDelete(_ fence: CatalogFence, state: BulkDeleteRecord.State, message: String, error: String?) throws
        -> BulkDeleteRecord
    {
        try transactionSync { session, outbox in
            try Self.fence(session, fence)
            if state == .success {
                try session.execute(
                    """
                    UPDATE bulk_deletes d SET kept_new = (
                        SELECT COUNT(*) FROM products p WHERE d.boundary IS NULL OR p.id > d.boundary)
                    WHERE d.id = \(fence.holder)
                    """)
            }
            try session.execute(
                """
                UPDATE bulk_deletes SET state = \(state.rawValue), message = \(message), error = \(error), finished_at = \(Self.now)
                WHERE id = \(fence.holder)
                """)
            let record = try Self.bulkDelete(session, id: fence.holder)
            if state == .success {
                try outbox.record(
                    session, .productsBulkDeleted,
                    data: ["task_id": record.taskID.map { .string($0) } ?? .null, "deleted_count": .int(Int64(record.deletedCount))])
            }
            return record
        }
    }

    public func revokeUnstartedBulkDelete(id: String) throws {
        try sessionSync { session in
            try session.execute(
                """
                UPDATE bulk_deletes SET state = 'REVOKED', message = 'Revoked', finished_at = \(Self.now)
                WHERE id = \(id) AND state = 'PENDING'
                """)
        }
    }

    public func deleteFinishedBulkDeletes(createdBefore cutoff: Date) throws -> Int {
        try sessionSync { session in
            try session.execute(
                """
                DELETE FROM bulk_deletes WHERE created_at < \(cutoff.timeIntervalSince1970) AND state IN ('SUCCESS','FAILURE','REVOKED')
                """)
        }
    }

    // MARK: Rows

    private static func bulkDelete(_ session: PostgresSession, id: String) throws -> BulkDeleteRecord {
        guard let row = try session.first("SELECT * FROM bulk_deletes WHERE id = \(id)") else {
            throw CatalogError.storage("bulk delete \(id) has no record")
        }
        return try bulkDeleteRecord(row)
    }

    static func bulkDeleteRecord(_ row: PostgresRandomAccessRow) throws -> BulkDeleteRecord {
        BulkDeleteRecord(
            id: try row.get("id"), taskID: try row.get("task_id"),
            state: BulkDeleteRecord.State(rawValue: try row.get("state")) ?? .pending, total: try row.get("total"),
            deletedCount: try row.get("deleted_count"), keptNew: try row.get("kept_new"), boundary: try row.get("boundary"),
            message: try row.get("message"), error: try row.get("error"), createdAt: try date(row, "created_at"),
            startedAt: try optionalDate(row, "started_at"), finishedAt: try optionalDate(row, "finished_at"))
    }
}

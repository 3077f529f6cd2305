import Common
import Foundation
import GRDB
import TaskQueue

/// Webhooks' configuration (`WebhookStore`).
extension SQLiteCatalogStore {
    public func createWebhook(_ draft: WebhookDraft) async throws -> Webhook {
        let id = UUIDv7.make()
        let now = Date().timeIntervalSince1970
        return try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO webhooks (id, url, events, is_active, description, headers, secret, retry_count, timeout_seconds,
                        created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    id, draft.url, StoredJSON.text(draft.events), draft.isActive, draft.description, StoredJSON.text(draft.headers),
                    draft.secret, draft.retryCount, draft.timeoutSeconds, now, now,
                ])
            return try Self.webhook(db, id: id)
        }
    }

    public func webhook(id: String) async throws -> Webhook? {
        try await read { db in try Self.webhookIfAny(db, id: id) }
    }

    public func webhooks(_ filter: WebhookFilter) async throws -> (items: [Webhook], total: Int) {
        var conditions: [(String, any DatabaseValueConvertible)] = []
        if let active = filter.isActive { conditions.append(("w.is_active = ?", active)) }
        if let event = filter.event { conditions.append(("EXISTS (SELECT 1 FROM json_each(w.events) e WHERE e.value = ?)", event)) }
        return try await page(
            from: "webhooks w", select: Self.webhookSelect, orderBy: "w.id DESC", conditions, limit: filter.limit, offset: filter.offset,
            row: Self.webhook)
    }

    /// A page of `select`'s rows from `table` under `conditions` (SQL with one argument each,
    /// all required), in `orderBy` order, and how many rows match.
    func page<T: Sendable>(
        from table: String, select: String, orderBy: String, _ conditions: [(String, any DatabaseValueConvertible)], limit: Int,
        offset: Int, row: @escaping @Sendable (Row) -> T
    ) async throws -> (items: [T], total: Int) {
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.map(\.0).joined(separator: " AND ")
        let arguments = StatementArguments(conditions.map { $0.1 as (any DatabaseValueConvertible)? })
        return try await read { db in
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table) \(whereClause)", arguments: arguments) ?? 0
            let items = try Row.fetchAll(
                db, sql: "\(select) \(whereClause) ORDER BY \(orderBy) LIMIT ? OFFSET ?", arguments: arguments + [limit, offset]
            ).map(row)
            return (items, total)
        }
    }

    public func updateWebhook(id: String, _ changes: WebhookChanges) async throws -> (webhook: Webhook, cancelledTasks: [String]) {
        let now = Date().timeIntervalSince1970
        return try await write { db in
            let current = try Self.webhook(db, id: id)
            try db.execute(
                sql: """
                    UPDATE webhooks SET url = ?, events = ?, is_active = ?, description = ?, headers = ?, retry_count = ?,
                        timeout_seconds = ?, updated_at = ?
                    WHERE id = ?
                    """,
                arguments: [
                    changes.url ?? current.url, StoredJSON.text(changes.events ?? current.events), changes.isActive ?? current.isActive,
                    changes.description ?? current.description, StoredJSON.text(changes.headers ?? current.headers),
                    changes.retryCount ?? current.retryCount, changes.timeoutSeconds ?? current.timeoutSeconds, now, id,
                ])
            // Turned off: what waits for it is cancelled with the change.
            let cancelled = changes.isActive == false ? try Self.cancelOpenDeliveries(db, webhookID: id, now: now) : []
            return (try Self.webhook(db, id: id), cancelled)
        }
    }

    public func deleteWebhook(id: String) async throws -> [String] {
        let now = Date().timeIntervalSince1970
        return try await write { db in
            _ = try Self.webhook(db, id: id)
            let cancelled = try Self.cancelOpenDeliveries(db, webhookID: id, now: now)
            try db.execute(sql: "DELETE FROM webhooks WHERE id = ?", arguments: [id])
            return cancelled
        }
    }

    public func rotateWebhookSecret(id: String, secret: String) async throws -> Webhook {
        let now = Date().timeIntervalSince1970
        return try await write { db in
            _ = try Self.webhook(db, id: id)
            try db.execute(sql: "UPDATE webhooks SET secret = ?, updated_at = ? WHERE id = ?", arguments: [secret, now, id])
            return try Self.webhook(db, id: id)
        }
    }

    /// Cancels a webhook's pending and retrying deliveries; returns their queue tasks.
    static func cancelOpenDeliveries(_ db: Database, webhookID: String, now: Double) throws -> [String] {
        let tasks = try String.fetchAll(
            db,
            sql: """
                SELECT task_id FROM webhook_deliveries
                WHERE webhook_id = ? AND state IN ('pending', 'retrying') AND task_id IS NOT NULL
                """, arguments: [webhookID])
        try db.execute(
            sql: """
                UPDATE webhook_deliveries SET state = 'cancelled', finished_at = ?, next_attempt_at = NULL
                WHERE webhook_id = ? AND state IN ('pending', 'retrying')
                """, arguments: [now, webhookID])
        return tasks
    }

    // MARK: Rows

    /// Every column, and the open deliveries counted.
    static let webhookSelect = """
        SELECT w.*, (SELECT COUNT(*) FROM webhook_deliveries d INDEXED BY webhook_deliveries_open
            WHERE d.webhook_id = w.id AND d.state IN ('pending', 'retrying')) AS pending_deliveries
        FROM webhooks w
        """

    static func webhookIfAny(_ db: Database, id: String) throws -> Webhook? {
        try Row.fetchOne(db, sql: "\(webhookSelect) WHERE w.id = ?", arguments: [id]).map(webhook)
    }

    static func webhook(_ db: Database, id: String) throws -> Webhook {
        guard let webhook = try webhookIfAny(db, id: id) else { throw CatalogError.webhookNotFound(id) }
        return webhook
    }

    static func webhook(_ row: Row) -> Webhook {
        Webhook(
            id: row["id"], url: row["url"],
            events: (try? JSONValue(parsing: row["events"] as String))?.arrayValue?.compactMap(\.stringValue) ?? [],
            isActive: row["is_active"], description: row["description"],
            headers: Self.headers(row["headers"]),
            secret: row["secret"], retryCount: row["retry_count"], timeoutSeconds: row["timeout_seconds"],
            lastTriggeredAt: (row["last_triggered_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
            lastStatusCode: row["last_status_code"], lastResponseTimeMs: row["last_response_time_ms"],
            lastError: row["last_error"], successCount: row["success_count"], failureCount: row["failure_count"],
            consecutiveFailures: row["consecutive_failures"], pendingDeliveries: row["pending_deliveries"] ?? 0,
            createdAt: Date(timeIntervalSince1970: row["created_at"]), updatedAt: Date(timeIntervalSince1970: row["updated_at"]))
    }
}

import Common
import Foundation
import PostgresNIO
import PostgresSupport
import TaskQueue

/// Webhooks' configuration (`WebhookStore`) on PostgreSQL. `events` and `headers` are JSON text,
/// as on SQLite; subscriptions are matched with `events::jsonb ? event`.
extension PostgresCatalogStore {
    public func createWebhook(_ draft: WebhookDraft) async throws -> Webhook {
        let id = UUIDv7.make()
        let now = Self.now
        return try await session { session in
            try session.execute(
                """
                INSERT INTO webhooks (id, url, events, is_active, description, headers, secret, retry_count, timeout_seconds,
                    created_at, updated_at)
                VALUES (\(id), \(draft.url), \(StoredJSON.text(draft.events)), \(draft.isActive), \(draft.description),
                    \(StoredJSON.text(draft.headers)), \(draft.secret), \(draft.retryCount), \(draft.timeoutSeconds),
                    \(now), \(now))
                """)
            return try Self.webhook(session, id: id)
        }
    }

    public func webhook(id: String) async throws -> Webhook? {
        try await session { session in try Self.webhookIfAny(session, id: id) }
    }

    public func webhooks(_ filter: WebhookFilter) async throws -> (items: [Webhook], total: Int) {
        var statement = PostgresStatement()
        var conditions: [String] = []
        if let active = filter.isActive { conditions.append("w.is_active = \(statement.bind(active))") }
        if let event = filter.event { conditions.append("w.events::jsonb ? \(statement.bind(event))") }
        return try await page(
            from: "webhooks w", select: Self.webhookSelect, orderBy: "w.id DESC", statement, conditions, limit: filter.limit,
            offset: filter.offset, row: Self.webhook)
    }

    /// A page of `select`'s rows from `table` under `conditions` (bound in `statement`), in
    /// `orderBy` order, and how many rows match.
    func page<T: Sendable>(
        from table: String, select: String, orderBy: String, _ statement: PostgresStatement, _ conditions: [String], limit: Int,
        offset: Int, row: @escaping @Sendable (PostgresRandomAccessRow) throws -> T
    ) async throws -> (items: [T], total: Int) {
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        var count = statement
        count.sql = "SELECT COUNT(*) AS n FROM \(table) \(whereClause)"
        var items = statement
        items.sql = "\(select) \(whereClause) ORDER BY \(orderBy) LIMIT \(items.bind(limit)) OFFSET \(items.bind(offset))"
        let countQuery = count.query
        let itemsQuery = items.query
        return try await session { session in
            let total = try session.first(countQuery)?.get("n", as: Int.self) ?? 0
            return (try session.query(itemsQuery).map(row), total)
        }
    }

    public func updateWebhook(id: String, _ changes: WebhookChanges) async throws -> (webhook: Webhook, cancelledTasks: [String]) {
        let now = Self.now
        return try await transaction { session in
            let current = try Self.webhook(session, id: id, forUpdate: true)
            try session.execute(
                """
                UPDATE webhooks SET url = \(changes.url ?? current.url),
                    events = \(StoredJSON.text(changes.events ?? current.events)),
                    is_active = \(changes.isActive ?? current.isActive), description = \(changes.description ?? current.description),
                    headers = \(StoredJSON.text(changes.headers ?? current.headers)),
                    retry_count = \(changes.retryCount ?? current.retryCount),
                    timeout_seconds = \(changes.timeoutSeconds ?? current.timeoutSeconds), updated_at = \(now)
                WHERE id = \(id)
                """)
            // Turned off: what waits for it is cancelled with the change.
            let cancelled = changes.isActive == false ? try Self.cancelOpenDeliveries(session, webhookID: id, now: now) : []
            return (try Self.webhook(session, id: id), cancelled)
        }
    }

    public func deleteWebhook(id: String) async throws -> [String] {
        let now = Self.now
        return try await transaction { session in
            _ = try Self.webhook(session, id: id, forUpdate: true)
            let cancelled = try Self.cancelOpenDeliveries(session, webhookID: id, now: now)
            try session.execute("DELETE FROM webhooks WHERE id = \(id)")
            return cancelled
        }
    }

    public func rotateWebhookSecret(id: String, secret: String) async throws -> Webhook {
        let now = Self.now
        return try await transaction { session in
            let updated = try session.execute("UPDATE webhooks SET secret = \(secret), updated_at = \(now) WHERE id = \(id)")
            guard updated == 1 else { throw CatalogError.webhookNotFound(id) }
            return try Self.webhook(session, id: id)
        }
    }

    /// Cancels a webhook's pending and retrying deliveries; returns their queue tasks.
    static func cancelOpenDeliveries(_ session: PostgresSession, webhookID: String, now: Double) throws -> [String] {
        try session.query(
            """
            UPDATE webhook_deliveries SET state = 'cancelled', finished_at = \(now), next_attempt_at = NULL
            WHERE webhook_id = \(webhookID) AND state IN ('pending', 'retrying')
            RETURNING task_id
            """
        ).compactMap { try $0.get("task_id", as: String?.self) }
    }

    // MARK: Rows

    /// Every column, and the open deliveries counted.
    static let webhookSelect = """
        SELECT w.*, (SELECT COUNT(*) FROM webhook_deliveries d
            WHERE d.webhook_id = w.id AND d.state IN ('pending', 'retrying')) AS pending_deliveries
        FROM webhooks w
        """

    static func webhookIfAny(_ session: PostgresSession, id: String, forUpdate: Bool = false) throws -> Webhook? {
        let lock = forUpdate ? " FOR UPDATE OF w" : ""
        var statement = PostgresStatement()
        statement.sql = "\(webhookSelect) WHERE w.id = \(statement.bind(id))\(lock)"
        return try session.first(statement.query).map(webhook)
    }

    static func webhook(_ session: PostgresSession, id: String, forUpdate: Bool = false) throws -> Webhook {
        guard let webhook = try webhookIfAny(session, id: id, forUpdate: forUpdate) else { throw CatalogError.webhookNotFound(id) }
        return webhook
    }

    static func webhook(_ row: PostgresRandomAccessRow) throws -> Webhook {
        Webhook(
            id: try row.get("id"), url: try row.get("url"),
            events: (try json(row, "events")?.arrayValue ?? []).compactMap(\.stringValue), isActive: try row.get("is_active"),
            description: try row.get("description"),
            headers: (try json(row, "headers")?.objectValue ?? [:]).compactMapValues(\.stringValue), secret: try row.get("secret"),
            retryCount: try row.get("retry_count"), timeoutSeconds: try row.get("timeout_seconds"),
            lastTriggeredAt: try optionalDate(row, "last_triggered_at"), lastStatusCode: try row.get("last_status_code"),
            lastResponseTimeMs: try row.get("last_response_time_ms"), lastError: try row.get("last_error"),
            successCount: try row.get("success_count"), failureCount: try row.get("failure_count"),
            consecutiveFailures: try row.get("consecutive_failures"), pendingDeliveries: try row.get("pending_deliveries"),
            createdAt: try date(row, "created_at"), updatedAt: try date(row, "updated_at"))
    }
}

import Common
import Foundation
import PostgresNIO
import PostgresSupport
import TaskQueue

/// The outbox, the fan-out into deliveries, attempts and their reads (`WebhookStore`) on
/// PostgreSQL.
extension PostgresCatalogStore {
    public func waitForEvents(timeout: TimeInterval) async {
        await eventsRecorded.sleep(for: timeout)
    }

    public func undispatchedEvents(limit: Int) async throws -> [String] {
        try await session { session in
            try session.query("SELECT id FROM webhook_events WHERE dispatched_at IS NULL ORDER BY id LIMIT \(limit)")
                .map { try $0.get("id", as: String.self) }
        }
    }

    public func fanOut(eventIDs: [String]) async throws -> [WebhookDelivery] {
        guard !eventIDs.isEmpty else { return [] }
        let now = Self.now
        return try await transaction { session in
            // One delivery per event and active subscriber (none twice: relays on several hosts
            // may hand the same events over).
            var deliveries: [WebhookDelivery] = []
            for eventID in eventIDs {
                guard let event = try session.first("SELECT event FROM webhook_events WHERE id = \(eventID)")?.get("event", as: String.self)
                else { continue }
                let subscribers = try session.query(
                    "SELECT id FROM webhooks WHERE is_active AND events::jsonb ? \(event) ORDER BY id"
                ).map { try $0.get("id", as: String.self) }
                for webhookID in subscribers {
                    try session.execute(
                        """
                        INSERT INTO webhook_deliveries (id, webhook_id, event_id, event, kind, state, created_at)
                        VALUES (\(UUIDv7.make()), \(webhookID), \(eventID), \(event), 'event', 'pending', \(now))
                        ON CONFLICT (event_id, webhook_id) DO NOTHING
                        """)
                }
                deliveries += try session.query(
                    "SELECT * FROM webhook_deliveries WHERE event_id = \(eventID) AND task_id IS NULL AND state = 'pending' ORDER BY id"
                ).map(Self.delivery)
            }
            return deliveries
        }
    }

    public func attachDeliveryTasks(_ tasks: [String: String], dispatching events: [String]) async throws {
        guard !tasks.isEmpty || !events.isEmpty else { return }
        let now = Self.now
        let deliveryIDs = Array(tasks.keys)
        let taskIDs = deliveryIDs.map { tasks[$0]! }
        try await transaction { session in
            if !deliveryIDs.isEmpty {
                try session.execute(
                    """
                    UPDATE webhook_deliveries d SET task_id = t.task_id
                    FROM unnest(\(deliveryIDs), \(taskIDs)) AS t(id, task_id) WHERE d.id = t.id
                    """)
            }
            if !events.isEmpty {
                try session.execute("UPDATE webhook_events SET dispatched_at = \(now) WHERE id = ANY(\(events))")
            }
        }
    }

    public func deliveryWork(id: String) throws -> DeliveryWork? {
        try sessionSync { session in
            try session.first(
                """
                SELECT d.id, d.webhook_id, d.event_id, d.event, d.kind, d.state, d.attempts, w.url, w.secret, w.headers,
                    w.is_active, w.retry_count, w.timeout_seconds, e.data, e.occurred_at
                FROM webhook_deliveries d
                JOIN webhooks w ON w.id = d.webhook_id
                JOIN webhook_events e ON e.id = d.event_id
                WHERE d.id = \(id)
                """
            ).map { row in
                DeliveryWork(
                    deliveryID: try row.get("id"), webhookID: try row.get("webhook_id"), eventID: try row.get("event_id"),
                    event: try row.get("event"), kind: WebhookDelivery.Kind(rawValue: try row.get("kind")) ?? .event,
                    state: WebhookDelivery.State(rawValue: try row.get("state")) ?? .pending, attempts: try row.get("attempts"),
                    url: try row.get("url"), secret: try row.get("secret"),
                    headers: (try Self.json(row, "headers")?.objectValue ?? [:]).compactMapValues(\.stringValue),
                    isActive: try row.get("is_active"), retryCount: try row.get("retry_count"),
                    timeoutSeconds: try row.get("timeout_seconds"), data: try row.get("data"),
                    occurredAt: try Self.date(row, "occurred_at"))
            }
        }
    }

    public func recordAttempt(deliveryID: String, result: AttemptResult, verdict: AttemptVerdict, autoDisableAfter: Int) throws
        -> WebhookDelivery
    {
        try transactionSync { session in
            guard var delivery = try session.first("SELECT * FROM webhook_deliveries WHERE id = \(deliveryID) FOR UPDATE").map(Self.delivery)
            else { throw CatalogError.deliveryNotFound(deliveryID) }
            let now = result.attemptedAt.timeIntervalSince1970
            let attempt = delivery.attempts + 1
            let (state, next) = verdict.outcome(at: now)
            try Self.insertAttempt(session, delivery: delivery, attempt: attempt, result: result, state: state, next: next)
            let finishedAt: Double? = state.isFinal ? now : nil
            try session.execute(
                """
                UPDATE webhook_deliveries SET state = \(state.rawValue), attempts = \(attempt), last_status_code = \(result.statusCode),
                    last_response_time_ms = \(result.responseTimeMs), last_error = \(result.error), next_attempt_at = \(next),
                    request_headers = \(StoredJSON.text(result.requestHeaders)), request_body = \(result.requestBody),
                    finished_at = \(finishedAt)
                WHERE id = \(deliveryID)
                """)
            try Self.updateWebhookStats(session, delivery: delivery, result: result, final: state, autoDisableAfter: autoDisableAfter)
            delivery.record(result, attempt: attempt, state: state, next: next)
            return delivery
        }
    }

    /// The webhook's last attempt, and for an event delivery's final outcome its counts.
    private static func updateWebhookStats(
        _ session: PostgresSession, delivery: WebhookDelivery, result: AttemptResult, final state: WebhookDelivery.State,
        autoDisableAfter: Int
    ) throws {
        let succeeded = delivery.kind == .event && state == .succeeded
        let failed = delivery.kind == .event && state == .failed
        let row = try session.first(
            """
            UPDATE webhooks SET last_triggered_at = \(result.attemptedAt.timeIntervalSince1970), last_status_code = \(result.statusCode),
                last_response_time_ms = \(result.responseTimeMs), last_error = \(result.error),
                success_count = success_count + CASE WHEN \(succeeded) THEN 1 ELSE 0 END,
                failure_count = failure_count + CASE WHEN \(failed) THEN 1 ELSE 0 END,
                consecutive_failures = CASE WHEN \(succeeded) THEN 0 WHEN \(failed) THEN consecutive_failures + 1
                    ELSE consecutive_failures END
            WHERE id = \(delivery.webhookID)
            RETURNING consecutive_failures, is_active
            """)
        guard failed, autoDisableAfter > 0, let row, try row.get("is_active", as: Bool.self),
            try row.get("consecutive_failures", as: Int.self) >= autoDisableAfter
        else { return }
        let now = Self.now
        try session.execute("UPDATE webhooks SET is_active = false, updated_at = \(now) WHERE id = \(delivery.webhookID)")
        _ = try cancelOpenDeliveries(session, webhookID: delivery.webhookID, now: now)
    }

    public func cancelDelivery(id: String) throws {
        try sessionSync { session in
            try session.execute(
                """
                UPDATE webhook_deliveries SET state = 'cancelled', finished_at = \(Self.now), next_attempt_at = NULL
                WHERE id = \(id) AND state IN ('pending', 'retrying')
                """)
        }
    }

    public func recordTestDelivery(webhookID: String, event: String, eventID: String, data: JSONValue, result: AttemptResult)
        async throws -> WebhookDelivery
    {
        let id = UUIDv7.make()
        let state: WebhookDelivery.State = (200..<300).contains(result.statusCode ?? 0) && result.error == nil ? .succeeded : .failed
        return try await transaction { session in
            _ = try Self.webhook(session, id: webhookID, forUpdate: true)
            let now = result.attemptedAt.timeIntervalSince1970
            try session.execute(
                """
                INSERT INTO webhook_events (id, event, data, occurred_at, dispatched_at)
                VALUES (\(eventID), \(event), \(data.jsonText), \(now), \(now))
                """)
            guard
                let delivery = try session.first(
                    """
                    INSERT INTO webhook_deliveries (id, webhook_id, event_id, event, kind, state, attempts, last_status_code,
                        last_response_time_ms, last_error, request_headers, request_body, created_at, finished_at)
                    VALUES (\(id), \(webhookID), \(eventID), \(event), 'test', \(state.rawValue), 1, \(result.statusCode),
                        \(result.responseTimeMs), \(result.error), \(StoredJSON.text(result.requestHeaders)), \(result.requestBody),
                        \(now), \(now))
                    RETURNING *
                    """
                ).map(Self.delivery)
            else { throw CatalogError.deliveryNotFound(id) }
            var stored = delivery
            stored.attempts = 0
            try Self.insertAttempt(session, delivery: stored, attempt: 1, result: result, state: state, next: nil)
            try session.execute(
                """
                UPDATE webhooks SET last_triggered_at = \(now), last_status_code = \(result.statusCode),
                    last_response_time_ms = \(result.responseTimeMs), last_error = \(result.error)
                WHERE id = \(webhookID)
                """)
            return delivery
        }
    }

    private static func insertAttempt(
        _ session: PostgresSession, delivery: WebhookDelivery, attempt: Int, result: AttemptResult, state: WebhookDelivery.State,
        next: Double?
    ) throws {
        try session.execute(
            """
            INSERT INTO webhook_attempts (id, delivery_id, webhook_id, attempt, payload, status_code, response_body,
                response_time_ms, error, delivery_state, next_attempt_at, created_at)
            VALUES (\(UUIDv7.make()), \(delivery.id), \(delivery.webhookID), \(attempt), \(result.requestBody), \(result.statusCode),
                \(Self.storable(result.responseBody)), \(result.responseTimeMs), \(result.error), \(state.rawValue), \(next),
                \(result.attemptedAt.timeIntervalSince1970))
            """)
    }

    // MARK: Reads and redelivery

    public func deliveries(_ filter: DeliveryFilter) async throws -> (items: [WebhookDelivery], total: Int) {
        var statement = PostgresStatement()
        var conditions: [String] = []
        if let webhookID = filter.webhookID { conditions.append("webhook_id = \(statement.bind(webhookID))") }
        if let state = filter.state { conditions.append("state = \(statement.bind(state.rawValue))") }
        if let event = filter.event { conditions.append("event = \(statement.bind(event))") }
        return try await page(
            from: "webhook_deliveries", select: "SELECT * FROM webhook_deliveries", orderBy: "id DESC", statement, conditions,
            limit: filter.limit, offset: filter.offset, row: Self.delivery)
    }

    public func delivery(id: String) async throws -> (delivery: WebhookDelivery, attempts: [WebhookAttempt])? {
        try await session { session in
            guard let delivery = try session.first("SELECT * FROM webhook_deliveries WHERE id = \(id)").map(Self.delivery) else {
                return nil
            }
            let attempts = try session.query("SELECT * FROM webhook_attempts WHERE delivery_id = \(id) ORDER BY id")
                .map { try Self.attempt($0, delivery: delivery) }
            return (delivery, attempts)
        }
    }

    public func attempts(webhookID: String, limit: Int, offset: Int) async throws -> [WebhookAttempt] {
        try await session { session in
            try session.query(
                """
                SELECT a.*, d.event_id, d.event, d.kind FROM webhook_attempts a
                JOIN webhook_deliveries d ON d.id = a.delivery_id
                WHERE a.webhook_id = \(webhookID) ORDER BY a.id DESC LIMIT \(limit) OFFSET \(offset)
                """
            ).map { try Self.attempt($0, delivery: nil) }
        }
    }

    public func redeliver(deliveryID: String) async throws -> WebhookDelivery {
        try await transaction { session in
            guard let delivery = try session.first("SELECT * FROM webhook_deliveries WHERE id = \(deliveryID) FOR UPDATE").map(Self.delivery)
            else { throw CatalogError.deliveryNotFound(deliveryID) }
            _ = try Self.webhook(session, id: delivery.webhookID)
            guard
                let row = try session.first(
                    """
                    UPDATE webhook_deliveries SET state = 'pending', next_attempt_at = NULL, finished_at = NULL, task_id = NULL
                    WHERE id = \(deliveryID)
                    RETURNING *
                    """)
            else { throw CatalogError.deliveryNotFound(deliveryID) }
            return try Self.delivery(row)
        }
    }

    public func eventData(eventID: String) async throws -> (event: String, data: JSONValue, occurredAt: Date)? {
        try await session { session in
            try session.first("SELECT event, data, occurred_at FROM webhook_events WHERE id = \(eventID)").map { row in
                (try row.get("event"), (try? JSONValue(parsing: try row.get("data", as: String.self))) ?? .null,
                    try Self.date(row, "occurred_at"))
            }
        }
    }

    public func deleteOldWebhookRecords(before cutoff: Date) throws -> Int {
        try transactionSync { session in
            let time = cutoff.timeIntervalSince1970
            let deliveries = try session.query(
                """
                DELETE FROM webhook_deliveries WHERE created_at < \(time) AND state IN ('succeeded', 'failed', 'cancelled')
                RETURNING id
                """
            ).map { try $0.get("id", as: String.self) }
            if !deliveries.isEmpty {
                try session.execute("DELETE FROM webhook_attempts WHERE delivery_id = ANY(\(deliveries))")
            }
            // An event is kept while a delivery of it may still need its data (a redelivery).
            try session.execute(
                """
                DELETE FROM webhook_events e WHERE e.occurred_at < \(time) AND e.dispatched_at IS NOT NULL
                    AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = e.id)
                """)
            return deliveries.count
        }
    }

    // MARK: Rows

    static func delivery(_ row: PostgresRandomAccessRow) throws -> WebhookDelivery {
        WebhookDelivery(
            id: try row.get("id"), webhookID: try row.get("webhook_id"), eventID: try row.get("event_id"), event: try row.get("event"),
            kind: WebhookDelivery.Kind(rawValue: try row.get("kind")) ?? .event,
            state: WebhookDelivery.State(rawValue: try row.get("state")) ?? .pending, attempts: try row.get("attempts"),
            lastStatusCode: try row.get("last_status_code"), lastResponseTimeMs: try row.get("last_response_time_ms"),
            lastError: try row.get("last_error"), nextAttemptAt: try optionalDate(row, "next_attempt_at"),
            taskID: try row.get("task_id"),
            requestHeaders: (try json(row, "request_headers")?.objectValue ?? [:]).compactMapValues(\.stringValue),
            requestBody: try row.get("request_body"), createdAt: try date(row, "created_at"),
            finishedAt: try optionalDate(row, "finished_at"))
    }

    /// An attempt; its event and kind come from `delivery`, or from the row (joined).
    static func attempt(_ row: PostgresRandomAccessRow, delivery: WebhookDelivery?) throws -> WebhookAttempt {
        WebhookAttempt(
            id: try row.get("id"), deliveryID: try row.get("delivery_id"), webhookID: try row.get("webhook_id"),
            eventID: try delivery?.eventID ?? row.get("event_id"), event: try delivery?.event ?? row.get("event"),
            attempt: try row.get("attempt"),
            kind: try delivery?.kind ?? WebhookDelivery.Kind(rawValue: row.get("kind", as: String?.self) ?? "event") ?? .event,
            payload: try row.get("payload"), statusCode: try row.get("status_code"), responseBody: try row.get("response_body"),
            responseTimeMs: try row.get("response_time_ms"), error: try row.get("error"), createdAt: try date(row, "created_at"),
            deliveryState: WebhookDelivery.State(rawValue: try row.get("delivery_state")) ?? .pending,
            nextAttemptAt: try optionalDate(row, "next_attempt_at"))
    }
}

import Common
import Foundation
import GRDB
import TaskQueue

/// The outbox, the fan-out into deliveries, attempts and their reads (`WebhookStore`).
extension SQLiteCatalogStore {
    public func waitForEvents(timeout: TimeInterval) async {
        await eventsRecorded.sleep(for: timeout)
    }

    public func undispatchedEvents(limit: Int) async throws -> [String] {
        try await read { db in
            try String.fetchAll(
                db, sql: "SELECT id FROM webhook_events INDEXED BY webhook_events_undispatched WHERE dispatched_at IS NULL ORDER BY id LIMIT ?",
                arguments: [limit])
        }
    }

    public func fanOut(eventIDs: [String]) async throws -> [WebhookDelivery] {
        guard !eventIDs.isEmpty else { return [] }
        let now = Date().timeIntervalSince1970
        return try await write { db in
            let eventType = try db.cachedStatement(sql: "SELECT event FROM webhook_events WHERE id = ?")
            let insert = try db.cachedStatement(
                sql: """
                    INSERT OR IGNORE INTO webhook_deliveries (id, webhook_id, event_id, event, kind, state, created_at)
                    VALUES (?, ?, ?, ?, 'event', 'pending', ?)
                    """)
            let waiting = try db.cachedStatement(
                sql: "SELECT * FROM webhook_deliveries WHERE event_id = ? AND task_id IS NULL AND state = 'pending' ORDER BY id")
            // The subscribers of each event type, looked up once per hand-over.
            var subscribers: [String: [String]] = [:]
            var deliveries: [WebhookDelivery] = []
            for eventID in eventIDs {
                guard let event = try String.fetchOne(eventType, arguments: [eventID]) else { continue }
                if subscribers[event] == nil {
                    subscribers[event] = try String.fetchAll(
                        db,
                        sql: "SELECT w.id FROM webhooks w, json_each(w.events) e WHERE w.is_active = 1 AND e.value = ? ORDER BY w.id",
                        arguments: [event])
                }
                for webhookID in subscribers[event] ?? [] {
                    try insert.execute(arguments: [UUIDv7.make(), webhookID, eventID, event, now])
                }
                deliveries += try Row.fetchAll(waiting, arguments: [eventID]).map(Self.delivery)
            }
            return deliveries
        }
    }

    public func attachDeliveryTasks(_ tasks: [String: String], dispatching events: [String]) async throws {
        guard !tasks.isEmpty || !events.isEmpty else { return }
        let now = Date().timeIntervalSince1970
        try await write { db in
            let attach = try db.cachedStatement(sql: "UPDATE webhook_deliveries SET task_id = ? WHERE id = ?")
            for (deliveryID, taskID) in tasks { try attach.execute(arguments: [taskID, deliveryID]) }
            let dispatched = try db.cachedStatement(sql: "UPDATE webhook_events SET dispatched_at = ? WHERE id = ?")
            for id in events { try dispatched.execute(arguments: [now, id]) }
        }
    }

    public func deliveryWork(id: String) throws -> DeliveryWork? {
        try readStatementSync { db in
            let statement = try db.cachedStatement(
                sql: """
                    SELECT d.id, d.webhook_id, d.event_id, d.event, d.kind, d.state, d.attempts, w.url, w.secret, w.headers,
                        w.is_active, w.retry_count, w.timeout_seconds, e.data, e.occurred_at
                    FROM webhook_deliveries d
                    JOIN webhooks w ON w.id = d.webhook_id
                    JOIN webhook_events e ON e.id = d.event_id
                    WHERE d.id = ?
                    """)
            return try Row.fetchOne(statement, arguments: [id]).map { row in
                DeliveryWork(
                    deliveryID: row["id"], webhookID: row["webhook_id"], eventID: row["event_id"], event: row["event"],
                    kind: WebhookDelivery.Kind(rawValue: row["kind"]) ?? .event,
                    state: WebhookDelivery.State(rawValue: row["state"]) ?? .pending, attempts: row["attempts"], url: row["url"],
                    secret: row["secret"],
                    headers: Self.headers(row["headers"]),
                    isActive: row["is_active"], retryCount: row["retry_count"], timeoutSeconds: row["timeout_seconds"],
                    data: row["data"], occurredAt: Date(timeIntervalSince1970: row["occurred_at"]))
            }
        }
    }

    public func recordAttempt(deliveryID: String, result: AttemptResult, verdict: AttemptVerdict, autoDisableAfter: Int) throws
        -> WebhookDelivery
    {
        try groupWriteSync { db in
            guard
                var delivery = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM webhook_deliveries WHERE id = ?"), arguments: [deliveryID])
                    .map(Self.delivery)
            else { throw CatalogError.deliveryNotFound(deliveryID) }
            let now = result.attemptedAt.timeIntervalSince1970
            let attempt = delivery.attempts + 1
            let (state, next) = verdict.outcome(at: now)
            try Self.insertAttempt(db, delivery: delivery, attempt: attempt, result: result, state: state, next: next)
            try db.cachedStatement(
                sql: """
                    UPDATE webhook_deliveries SET state = ?, attempts = ?, last_status_code = ?, last_response_time_ms = ?,
                        last_error = ?, next_attempt_at = ?, finished_at = CASE WHEN ? THEN ? ELSE NULL END
                    WHERE id = ?
                    """
            ).execute(arguments: [
                state.rawValue, attempt, result.statusCode, result.responseTimeMs, result.error, next, state.isFinal, now, deliveryID,
            ])
            try Self.updateWebhookStats(db, delivery: delivery, result: result, final: state, autoDisableAfter: autoDisableAfter)
            delivery.record(result, attempt: attempt, state: state, next: next)
            return delivery
        }
    }

    /// The webhook's last attempt, and for an event delivery's final outcome its counts, in one
    /// statement.
    private static func updateWebhookStats(
        _ db: Database, delivery: WebhookDelivery, result: AttemptResult, final state: WebhookDelivery.State, autoDisableAfter: Int
    ) throws {
        let counted = delivery.kind == .event
        let succeeded = counted && state == .succeeded
        let failed = counted && state == .failed
        try db.cachedStatement(
            sql: """
                UPDATE webhooks SET last_triggered_at = ?, last_status_code = ?, last_response_time_ms = ?, last_error = ?,
                    success_count = success_count + ?, failure_count = failure_count + ?,
                    consecutive_failures = CASE WHEN ? THEN 0 ELSE consecutive_failures + ? END
                WHERE id = ?
                """
        ).execute(arguments: [
            result.attemptedAt.timeIntervalSince1970, result.statusCode, result.responseTimeMs, result.error, succeeded ? 1 : 0,
            failed ? 1 : 0, succeeded, failed ? 1 : 0, delivery.webhookID,
        ])
        guard failed, autoDisableAfter > 0 else { return }
        try db.execute(
            sql: "UPDATE webhooks SET is_active = 0, updated_at = ? WHERE id = ? AND consecutive_failures >= ?",
            arguments: [Date().timeIntervalSince1970, delivery.webhookID, autoDisableAfter])
        if db.changesCount > 0 {
            _ = try cancelOpenDeliveries(db, webhookID: delivery.webhookID, now: Date().timeIntervalSince1970)
        }
    }

    public func cancelDelivery(id: String) throws {
        try writeSync { db in
            try db.execute(
                sql: """
                    UPDATE webhook_deliveries SET state = 'cancelled', finished_at = ?, next_attempt_at = NULL
                    WHERE id = ? AND state IN ('pending', 'retrying')
                    """, arguments: [Date().timeIntervalSince1970, id])
        }
    }

    public func recordTestDelivery(webhookID: String, event: String, eventID: String, data: JSONValue, result: AttemptResult)
        async throws -> WebhookDelivery
    {
        let id = UUIDv7.make()
        let state: WebhookDelivery.State = (200..<300).contains(result.statusCode ?? 0) && result.error == nil ? .succeeded : .failed
        return try await write { db in
            _ = try Self.webhook(db, id: webhookID)
            let now = result.attemptedAt.timeIntervalSince1970
            try db.execute(
                sql: "INSERT INTO webhook_events (id, event, data, occurred_at, dispatched_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [eventID, event, data.jsonText, now, now])
            try db.execute(
                sql: """
                    INSERT INTO webhook_deliveries (id, webhook_id, event_id, event, kind, state, attempts, last_status_code,
                        last_response_time_ms, last_error, created_at, finished_at)
                    VALUES (?, ?, ?, ?, 'test', ?, 1, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    id, webhookID, eventID, event, state.rawValue, result.statusCode, result.responseTimeMs, result.error, now, now,
                ])
            var delivery = try Self.delivery(db, id: id)
            try Self.insertAttempt(db, delivery: delivery, attempt: 1, result: result, state: state, next: nil)
            delivery.requestHeaders = result.requestHeaders
            delivery.requestBody = result.requestBody
            try db.execute(
                sql: """
                    UPDATE webhooks SET last_triggered_at = ?, last_status_code = ?, last_response_time_ms = ?, last_error = ?
                    WHERE id = ?
                    """, arguments: [now, result.statusCode, result.responseTimeMs, result.error, webhookID])
            return delivery
        }
    }

    private static func insertAttempt(
        _ db: Database, delivery: WebhookDelivery, attempt: Int, result: AttemptResult, state: WebhookDelivery.State, next: Double?
    ) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO webhook_attempts (id, delivery_id, webhook_id, attempt, payload, request_headers, status_code,
                    response_body, response_time_ms, error, delivery_state, next_attempt_at, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
                UUIDv7.make(), delivery.id, delivery.webhookID, attempt, result.requestBody, StoredJSON.text(result.requestHeaders),
                result.statusCode, result.responseBody, result.responseTimeMs, result.error, state.rawValue, next,
                result.attemptedAt.timeIntervalSince1970,
            ])
    }

    // MARK: Reads and redelivery

    public func deliveries(_ filter: DeliveryFilter) async throws -> (items: [WebhookDelivery], total: Int) {
        var conditions: [(String, any DatabaseValueConvertible)] = []
        if let webhookID = filter.webhookID { conditions.append(("webhook_id = ?", webhookID)) }
        if let state = filter.state { conditions.append(("state = ?", state.rawValue)) }
        if let event = filter.event { conditions.append(("event = ?", event)) }
        return try await page(
            from: "webhook_deliveries", select: "SELECT * FROM webhook_deliveries", orderBy: "id DESC", conditions,
            limit: filter.limit, offset: filter.offset, row: Self.delivery)
    }

    public func delivery(id: String) async throws -> (delivery: WebhookDelivery, attempts: [WebhookAttempt])? {
        try await read { db in
            guard var delivery = try Row.fetchOne(db, sql: "SELECT * FROM webhook_deliveries WHERE id = ?", arguments: [id]).map(Self.delivery)
            else { return nil }
            let rows = try Row.fetchAll(
                db, sql: "SELECT * FROM webhook_attempts INDEXED BY webhook_attempts_delivery WHERE delivery_id = ? ORDER BY id",
                arguments: [id])
            // The last request sent is kept with its attempt.
            if let last = rows.last {
                delivery.requestHeaders = Self.headers(last["request_headers"])
                delivery.requestBody = last["payload"]
            }
            return (delivery, rows.map { Self.attempt($0, delivery: delivery) })
        }
    }

    public func attempts(webhookID: String, limit: Int, offset: Int) async throws -> [WebhookAttempt] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT a.*, d.event_id, d.event, d.kind FROM webhook_attempts a INDEXED BY webhook_attempts_webhook
                    JOIN webhook_deliveries d ON d.id = a.delivery_id
                    WHERE a.webhook_id = ? ORDER BY a.id DESC LIMIT ? OFFSET ?
                    """, arguments: [webhookID, limit, offset]
            ).map { Self.attempt($0, delivery: nil) }
        }
    }

    public func redeliver(deliveryID: String) async throws -> WebhookDelivery {
        try await write { db in
            let delivery = try Self.delivery(db, id: deliveryID)
            _ = try Self.webhook(db, id: delivery.webhookID)
            try db.execute(
                sql: """
                    UPDATE webhook_deliveries SET state = 'pending', next_attempt_at = NULL, finished_at = NULL, task_id = NULL
                    WHERE id = ?
                    """, arguments: [deliveryID])
            return try Self.delivery(db, id: deliveryID)
        }
    }

    public func eventData(eventID: String) async throws -> (event: String, data: JSONValue, occurredAt: Date)? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT event, data, occurred_at FROM webhook_events WHERE id = ?", arguments: [eventID]).map {
                ($0["event"], (try? JSONValue(parsing: $0["data"] as String)) ?? .null, Date(timeIntervalSince1970: $0["occurred_at"]))
            }
        }
    }

    public func deleteOldWebhookRecords(before cutoff: Date) throws -> Int {
        try writeSync { db in
            let time = cutoff.timeIntervalSince1970
            try db.execute(
                sql: """
                    DELETE FROM webhook_attempts WHERE delivery_id IN (
                        SELECT id FROM webhook_deliveries WHERE created_at < ? AND state IN ('succeeded', 'failed', 'cancelled'))
                    """, arguments: [time])
            try db.execute(
                sql: "DELETE FROM webhook_deliveries WHERE created_at < ? AND state IN ('succeeded', 'failed', 'cancelled')",
                arguments: [time])
            let deliveries = db.changesCount
            // An event is kept while a delivery of it may still need its data (a redelivery).
            try db.execute(
                sql: """
                    DELETE FROM webhook_events WHERE occurred_at < ? AND dispatched_at IS NOT NULL
                        AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = webhook_events.id)
                    """, arguments: [time])
            return deliveries
        }
    }

    // MARK: Rows

    static func delivery(_ db: Database, id: String) throws -> WebhookDelivery {
        guard let delivery = try Row.fetchOne(db, sql: "SELECT * FROM webhook_deliveries WHERE id = ?", arguments: [id]).map(delivery) else {
            throw CatalogError.deliveryNotFound(id)
        }
        return delivery
    }

    static func delivery(_ row: Row) -> WebhookDelivery {
        WebhookDelivery(
            id: row["id"], webhookID: row["webhook_id"], eventID: row["event_id"], event: row["event"],
            kind: WebhookDelivery.Kind(rawValue: row["kind"]) ?? .event, state: WebhookDelivery.State(rawValue: row["state"]) ?? .pending,
            attempts: row["attempts"], lastStatusCode: row["last_status_code"], lastResponseTimeMs: row["last_response_time_ms"],
            lastError: row["last_error"], nextAttemptAt: (row["next_attempt_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
            taskID: row["task_id"], requestHeaders: [:], requestBody: nil, createdAt: Date(timeIntervalSince1970: row["created_at"]),
            finishedAt: (row["finished_at"] as Double?).map(Date.init(timeIntervalSince1970:)))
    }

    /// Stored headers (a JSON object of strings).
    static func headers(_ text: String?) -> [String: String] {
        ((text.flatMap { try? JSONValue(parsing: $0) })?.objectValue ?? [:]).compactMapValues(\.stringValue)
    }

    /// An attempt; its event and kind come from `delivery`, or from the row (joined).
    static func attempt(_ row: Row, delivery: WebhookDelivery?) -> WebhookAttempt {
        WebhookAttempt(
            id: row["id"], deliveryID: row["delivery_id"], webhookID: row["webhook_id"],
            eventID: delivery?.eventID ?? row["event_id"], event: delivery?.event ?? row["event"], attempt: row["attempt"],
            kind: delivery?.kind ?? WebhookDelivery.Kind(rawValue: row["kind"] ?? "event") ?? .event, payload: row["payload"],
            statusCode: row["status_code"], responseBody: row["response_body"], responseTimeMs: row["response_time_ms"],
            error: row["error"], createdAt: Date(timeIntervalSince1970: row["created_at"]),
            deliveryState: WebhookDelivery.State(rawValue: row["delivery_state"]) ?? .pending,
            nextAttemptAt: (row["next_attempt_at"] as Double?).map(Date.init(timeIntervalSince1970:)))
    }
}

import Common
import Foundation
import GRDB
import Synchronization
import TaskQueue

/// Writes webhook events into the outbox (`webhook_events`) inside the catalogue transaction of
/// the change they describe, so an event is committed if and only if its change is. An event no
/// active webhook subscribes to is not written at all. Remembers whether it wrote one, so the
/// store wakes the relay once the transaction committed.
final class WebhookOutbox: Sendable {
    private let recorded = Mutex(false)

    var didRecord: Bool { recorded.withLock { $0 } }

    func markRecorded() { recorded.withLock { $0 = true } }

    /// Records `event` with `data` if an active webhook subscribes to it; returns its id.
    @discardableResult
    func record(_ db: Database, _ event: WebhookEventType, data: JSONValue) throws -> String? {
        guard try Self.isSubscribed(db, event) else { return nil }
        let id = "evt_" + UUIDv7.make()
        try db.cachedStatement(sql: "INSERT INTO webhook_events (id, event, data, occurred_at) VALUES (?, ?, ?, ?)")
            .execute(arguments: [id, event.rawValue, data.jsonText, Date().timeIntervalSince1970])
        markRecorded()
        return id
    }

    /// Whether an active webhook subscribes to `event` (the webhooks table is small).
    static func isSubscribed(_ db: Database, _ event: WebhookEventType) throws -> Bool {
        try Bool.fetchOne(
            db.cachedStatement(
                sql: """
                    SELECT EXISTS (SELECT 1 FROM webhooks w, json_each(w.events) e WHERE w.is_active = 1 AND e.value = ?)
                    """), arguments: [event.rawValue]) ?? false
    }
}

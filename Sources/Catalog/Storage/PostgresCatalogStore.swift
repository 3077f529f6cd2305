import Common
import Foundation
import PostgresNIO
import PostgresSupport
import TaskQueue

/// The catalogue on PostgreSQL (DESIGN.md §14): the same contract as `SQLiteCatalogStore`, for
/// several processes on several hosts sharing one server. Each method is one short transaction
/// (an import's batch is one, fenced by the catalogue lock's row); every failure leaves as a
/// `CatalogError` with a backend-neutral code (`PostgresFault`).
///
/// It shares the process's connection pool with the queue: an import holds one connection for
/// its batch while its progress reaches the queue through another, so the pool has at least two.
public final class PostgresCatalogStore: CatalogStore {
    let pool: PostgresPool
    /// Woken once a transaction that wrote webhook events committed: this process's relay waits
    /// on it (another process's events reach its relay by the relay's poll).
    let eventsRecorded = WakeableSleep()

    /// Applies the catalogue's migrations (the pool connects on demand).
    public init(pool: PostgresPool) throws {
        self.pool = pool
        do { try Self.migrator.migrate(pool) } catch { throw Self.catalogError(error) }
    }

    // MARK: Storage access: every failure leaves as a CatalogError

    /// Statements on one connection, from a thread that may block (each its own transaction).
    func sessionSync<T>(_ body: (PostgresSession) throws -> T) throws -> T {
        do { return try pool.withSession(body) } catch { throw Self.catalogError(error) }
    }

    func transactionSync<T>(_ body: (PostgresSession) throws -> T) throws -> T {
        do { return try pool.transaction(body) } catch { throw Self.catalogError(error) }
    }

    func session<T: Sendable>(_ body: @escaping @Sendable (PostgresSession) throws -> T) async throws -> T {
        do { return try await pool.run { try self.pool.withSession(body) } } catch { throw Self.catalogError(error) }
    }

    func transaction<T: Sendable>(_ body: @escaping @Sendable (PostgresSession) throws -> T) async throws -> T {
        do { return try await pool.run { try self.pool.transaction(body) } } catch { throw Self.catalogError(error) }
    }

    /// A transaction that may record webhook events (`WebhookOutbox`): the relay is woken once
    /// it committed.
    func transaction<T: Sendable>(_ body: @escaping @Sendable (PostgresSession, WebhookOutbox) throws -> T) async throws -> T {
        let outbox = WebhookOutbox()
        let value = try await transaction { session in try body(session, outbox) }
        if outbox.didRecord { eventsRecorded.wake() }
        return value
    }

    /// The same from a task's thread.
    func transactionSync<T>(_ body: (PostgresSession, WebhookOutbox) throws -> T) throws -> T {
        let outbox = WebhookOutbox()
        let value = try transactionSync { session in try body(session, outbox) }
        if outbox.didRecord { eventsRecorded.wake() }
        return value
    }

    /// A constraint is the catalogue's own code; a storage condition keeps its neutral code; any
    /// other failure is a plain storage error carrying the server's message.
    static func catalogError(_ error: any Error) -> any Error {
        if let fault = PostgresFault.classify(error) { return CatalogError.storage(fault, cause: SendableError(error)) }
        // Anything else not from the server (a CatalogError, a caller's own error) leaves as it is.
        guard error is PSQLError else { return error }
        if PostgresFault.isConstraint(error) {
            return CatalogError.constraint(
                "the write conflicts with the catalogue's data: \(PostgresFault.message(error))", cause: SendableError(error))
        }
        return CatalogError.storage("the catalogue database failed: \(PostgresFault.message(error))", cause: SendableError(error))
    }

    // MARK: Rows

    static func date(_ row: PostgresRandomAccessRow, _ name: String) throws -> Date {
        Date(timeIntervalSince1970: try row.get(name, as: Double.self))
    }

    static func optionalDate(_ row: PostgresRandomAccessRow, _ name: String) throws -> Date? {
        try row.get(name, as: Double?.self).map(Date.init(timeIntervalSince1970:))
    }

    /// A JSON text column, parsed (nil when absent or not JSON).
    static func json(_ row: PostgresRandomAccessRow, _ name: String) throws -> JSONValue? {
        try row.get(name, as: String?.self).flatMap { try? JSONValue(parsing: $0) }
    }

    static var now: Double { Date().timeIntervalSince1970 }

    /// Text from outside (a receiver's response) as PostgreSQL can keep it: its text holds no
    /// NUL, so one becomes U+FFFD.
    static func storable(_ text: String?) -> String? {
        guard let text, text.utf8.contains(0) else { return text }
        return text.replacingOccurrences(of: "\0", with: "\u{FFFD}")
    }
}

extension WebhookOutbox {
    /// Records `event` with `data` in the session's transaction if an active webhook subscribes
    /// to it; returns its id.
    @discardableResult
    func record(_ session: PostgresSession, _ event: WebhookEventType, data: JSONValue) throws -> String? {
        guard try Self.isSubscribed(session, event) else { return nil }
        let id = "evt_" + UUIDv7.make()
        try session.execute(
            "INSERT INTO webhook_events (id, event, data, occurred_at) VALUES (\(id), \(event.rawValue), \(data.jsonText), \(Date().timeIntervalSince1970))"
        )
        markRecorded()
        return id
    }

    /// Whether an active webhook subscribes to `event` (the webhooks table is small).
    static func isSubscribed(_ session: PostgresSession, _ event: WebhookEventType) throws -> Bool {
        try session.first(
            "SELECT EXISTS (SELECT 1 FROM webhooks WHERE is_active AND events::jsonb ? \(event.rawValue)) AS subscribed")?
            .get("subscribed", as: Bool.self) ?? false
    }
}

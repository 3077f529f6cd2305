import Foundation
import Logging
import PostgresNIO
import PostgresSupport
import ServiceLifecycle
import Synchronization

/// The store's clock on PostgreSQL (DESIGN.md §14): this host's clock plus its offset from the
/// server's `clock_timestamp()`, so that leases, ETAs and beat's due times written by every host
/// share one timeline. Measured at start, then every 60 s; an offset above 1 s is logged as a
/// warning (fix the host's NTP).
public final class PostgresServerClock: WallClock, Service {
    private let pool: PostgresPool
    private let logger: Logger
    /// Seconds to add to this host's clock.
    private let offset = Mutex<TimeInterval>(0)

    public static let remeasureInterval: Duration = .seconds(60)
    public static let warnAbove: TimeInterval = 1

    public init(pool: PostgresPool, logger: Logger) {
        self.pool = pool
        self.logger = logger
    }

    public func now() -> Date { Date().addingTimeInterval(offset.withLock { $0 }) }

    /// Measures the offset now (the server's time against the midpoint of the round trip) and
    /// keeps it; returns it.
    @discardableResult
    public func measure() throws -> TimeInterval {
        let measured = try pool.withSession { session -> TimeInterval in
            let before = Date()
            let server = try session.first("SELECT extract(epoch FROM clock_timestamp())::float8 AS now")?.get("now", as: Double.self) ?? 0
            let after = Date()
            let midpoint = (before.timeIntervalSince1970 + after.timeIntervalSince1970) / 2
            return server - midpoint
        }
        offset.withLock { $0 = measured }
        if abs(measured) > Self.warnAbove {
            logger.warning(
                "clock_offset", metadata: ["offset_seconds": "\(measured)", "hint": "this host's clock differs from the PostgreSQL server's: check NTP"])
        }
        return measured
    }

    /// Re-measures every minute until shut down; a failed measurement keeps the last offset.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: Self.remeasureInterval)
                if Task.isCancelled { return }
                _ = try? await self.pool.run { try self.measure() }
            }
        }
    }
}

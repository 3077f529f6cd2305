import Foundation
import Logging
import PostgresNIO
import PostgresSupport
import ServiceLifecycle
import Synchronization

/// Cross-process wake-ups on PostgreSQL (DESIGN.md §14): a store that made a job claimable
/// (enqueue, resume, release) notifies channel `importer_jobs` with "SCHEMA QUEUE" (appliances and
/// tests sharing a database hear only their own schema's), at most once
/// per queue per 100 ms per process (a later one in the window goes out at its end, so none is
/// lost); every process LISTENs on one connection of its own and rings its doorbell, waking its
/// idle slots at once. The `poll_interval` poll stays the fallback, and runs at once after a
/// reconnect.
public final class PostgresWakeups: Service, Sendable {
    static let channel = "importer_jobs"
    static let window: Duration = .milliseconds(100)

    private let pool: PostgresPool
    private let doorbell: Doorbell
    private let logger: Logger
    /// Wake-ups received so far (tests and metrics).
    private let received = Atomic<Int>(0)

    public init(pool: PostgresPool, doorbell: Doorbell, logger: Logger) {
        self.pool = pool
        self.doorbell = doorbell
        self.logger = logger
    }

    public var wakeupsReceived: Int { received.load(ordering: .relaxed) }

    /// LISTENs until cancelled or shut down; a lost connection is replaced after a second.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await self.listenOnce()
                } catch is CancellationError {
                    return
                } catch {
                    if Task.isCancelled { return }
                    self.logger.warning("postgres_listen_lost", metadata: ["error": "\(PostgresFault.message(error))"])
                }
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }

    private func listenOnce() async throws {
        let ownPrefix = pool.url.schema + " "
        let connection = try await pool.dedicatedConnection()
        do {
            try await connection.listen(on: Self.channel) { notifications in
                // Whatever was enqueued while no one listened is found by a claim now.
                doorbell.ring()
                for try await notification in notifications where notification.payload.hasPrefix(ownPrefix) {
                    received.add(1, ordering: .relaxed)
                    doorbell.ring()
                }
            }
        } catch {
            // Closed before it is dropped, whatever ended the listening.
            try? await connection.close()
            throw error
        }
        try? await connection.close()
    }
}

/// The notifying side, one per store. It notifies even with `listen=false` in its own URL: NOTIFY
/// works through any pooler, and other processes may listen.
final class PostgresNotifier: Sendable {
    private struct State {
        var last: [String: ContinuousClock.Instant] = [:]
        var trailing: Set<String> = []
    }

    private let state = Mutex(State())

    /// Whether a job made claimable in `queue` now should notify in its own statement; if not,
    /// `send` is called at the window's end (once per window).
    func notifyNow(_ queue: String, send: @escaping @Sendable () -> Void) -> Bool {
        let now = ContinuousClock.now
        let decision = state.withLock { state -> (now: Bool, trailingAfter: Duration?) in
            if let last = state.last[queue], now - last < PostgresWakeups.window {
                guard !state.trailing.contains(queue) else { return (false, nil) }
                state.trailing.insert(queue)
                return (false, PostgresWakeups.window - (now - last))
            }
            state.last[queue] = now
            return (true, nil)
        }
        if let delay = decision.trailingAfter {
            let nanoseconds = delay.components.seconds * 1_000_000_000 + delay.components.attoseconds / 1_000_000_000
            DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(Int(nanoseconds))) {
                self.state.withLock { state in
                    state.trailing.remove(queue)
                    state.last[queue] = ContinuousClock.now
                }
                send()
            }
        }
        return decision.now
    }
}

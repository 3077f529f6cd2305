import Common
import Foundation
import Logging
import ServiceLifecycle

/// Celery beat inside the process (DESIGN.md §4): stores the configured schedules, then sleeps
/// until the next due run and enqueues it — exactly once however many processes run a beat
/// on the same data directory, because the store claims each (schedule, due time) in the
/// enqueue's transaction. Stops with graceful shutdown.
public final class Beat: Service, Sendable {
    public let definitions: [ScheduleDefinition]
    let store: any ScheduleStore
    let doorbell: Doorbell
    let clock: any WallClock
    let logger: Logger
    /// Changes made by another process (an API enabling a schedule) are seen within this.
    let maxSleep: TimeInterval
    private let sleeper = WakeableSleep()

    public init(
        definitions: [ScheduleDefinition], store: any ScheduleStore, doorbell: Doorbell, clock: any WallClock = SystemClock(),
        logger: Logger, maxSleep: TimeInterval = 30
    ) {
        self.definitions = definitions
        self.store = store
        self.doorbell = doorbell
        self.clock = clock
        self.logger = logger
        self.maxSleep = maxSleep
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            var synced = false
            while !Task.isCancelled {
                do {
                    if !synced {
                        try await self.store.syncSchedules(self.definitions)
                        synced = true
                        self.logger.info("beat_ready", metadata: ["schedules": "\(self.definitions.count)"])
                    }
                    try await self.tick()
                    let next = try await self.store.nextScheduleDue()
                    let wait = min(self.maxSleep, max(0, (next ?? .distantFuture).timeIntervalSince(self.clock.now())))
                    await self.sleeper.sleep(for: max(wait, 0.001))
                } catch is CancellationError {
                    break
                } catch {
                    // A busy or failing database: try again shortly, never stop the process.
                    self.logger.warning("beat_error", metadata: ["error": "\(error)"])
                    await self.sleeper.sleep(for: 1)
                }
            }
        }
        logger.info("beat_stopped")
    }

    /// Enqueues what is due now; returns the runs this process enqueued.
    @discardableResult
    public func tick() async throws -> [ScheduleRun] {
        let runs = try await store.fireDueSchedules()
        if !runs.isEmpty { doorbell.ring() }
        for run in runs {
            logger.info(
                "schedule_fired",
                metadata: ["schedule": "\(run.schedule)", "task.id": "\(run.taskID)", "due": "\(ISO8601.string(run.due))"])
        }
        return runs
    }

    /// Looks again at once (a schedule was enabled or changed in this process).
    public func wake() {
        sleeper.wake()
    }
}

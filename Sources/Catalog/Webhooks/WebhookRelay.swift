import Foundation
import Logging
import ServiceLifecycle
import TaskQueue

/// Hands the outbox's events to the queue (DESIGN.md §11): one `trigger_webhooks_for_event`
/// job per event, keyed by the event so that a second hand-over (after a crash between the
/// enqueue and the mark) finds the same job. Woken at once when this process commits an event,
/// and sweeping every second for the other processes'. Every `serve` and `worker` runs one.
public final class WebhookRelay: Service, Sendable {
    let store: any WebhookStore
    let client: QueueClient
    let logger: Logger
    let sweepInterval: TimeInterval

    /// Events handed over per round.
    static let batch = 500

    public init(store: any WebhookStore, client: QueueClient, logger: Logger, sweepInterval: TimeInterval = 1) {
        self.store = store
        self.client = client
        self.logger = logger
        self.sweepInterval = sweepInterval
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await self.dispatch()
                } catch is CancellationError {
                    return
                } catch {
                    // A busy or failing database: the next sweep tries again.
                    self.logger.warning("webhook_relay_failed", metadata: ["error": "\(error)"])
                }
                await self.store.waitForEvents(timeout: self.sweepInterval)
            }
        }
    }

    /// Hands every waiting event to the queue; returns how many.
    @discardableResult
    public func dispatch() async throws -> Int {
        var total = 0
        while true {
            let ids = try await store.undispatchedEvents(limit: Self.batch)
            guard !ids.isEmpty else { return total }
            let client = self.client
            try await withThrowingTaskGroup(of: Void.self) { group in
                for id in ids {
                    group.addTask {
                        try await client.submit(
                            TaskSubmission(
                                name: WebhookTasks.trigger, kwargs: ["event_id": .string(id)], queue: WebhookTasks.queue,
                                idempotencyKey: "webhook-event:\(id)"))
                    }
                }
                try await group.waitForAll()
            }
            try await store.markEventsDispatched(ids)
            total += ids.count
            if ids.count < Self.batch { return total }
        }
    }
}

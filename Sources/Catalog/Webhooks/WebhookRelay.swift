import Foundation
import Logging
import ServiceLifecycle
import TaskQueue

/// Hands the outbox's events to the queue (DESIGN.md §11), a batch at a time: it fans each
/// event out into its deliveries (one per subscribed active webhook), enqueues one
/// `deliver_webhook` job per delivery keyed by the delivery, then records the jobs and marks the
/// events handed over. Every step may be repeated after a crash or by another process's relay:
/// the deliveries are unique per event and webhook, and a second enqueue of a delivery finds its
/// job. Woken at once when this process commits an event, and sweeping every second for the
/// other processes'. Every `serve` and `worker` runs one.
///
/// The fan-out is the relay's, not a task's (DESIGN.md named `trigger_webhooks_for_event`): a
/// job per event cost the `webhooks` pool a claim, two catalogue writes and an ack for every
/// delivery it made, a third of its time (measured in BENCHMARKS.md).
public final class WebhookRelay: Service, Sendable {
    let store: any WebhookStore
    let client: QueueClient
    let logger: Logger
    let sweepInterval: TimeInterval

    /// Events handed over per round.
    static let batch = 500
    /// After a round that found events, the next waits this long: under a stream of writes a
    /// round then hands over a few milliseconds' worth of events in its four transactions
    /// instead of one or two (an idle relay still starts at once when woken).
    static let gatherDelay: Duration = .milliseconds(3)

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
                    if try await self.dispatch() > 0 {
                        try await Task.sleep(for: Self.gatherDelay)
                        continue
                    }
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
            let events = try await store.undispatchedEvents(limit: Self.batch)
            guard !events.isEmpty else { return total }
            let deliveries = try await store.fanOut(eventIDs: events)
            let tasks = try await enqueue(deliveries)
            try await store.attachDeliveryTasks(tasks, dispatching: events)
            total += events.count
            if events.count < Self.batch { return total }
        }
    }

    /// One `deliver_webhook` job per delivery (concurrent submissions share the queue's group
    /// commits); returns delivery id → job id.
    private func enqueue(_ deliveries: [WebhookDelivery]) async throws -> [String: String] {
        let client = self.client
        return try await withThrowingTaskGroup(of: (String, String).self) { group in
            for delivery in deliveries {
                group.addTask {
                    let submitted = try await client.submit(WebhookTasks.submission(deliveryID: delivery.id))
                    return (delivery.id, submitted.id)
                }
            }
            var tasks: [String: String] = [:]
            for try await (delivery, task) in group { tasks[delivery] = task }
            return tasks
        }
    }
}

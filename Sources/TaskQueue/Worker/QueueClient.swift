import Foundation

/// What a producer asks for: Celery's `apply_async(args, kwargs, queue=, priority=, countdown=, eta=)`.
public struct TaskSubmission: Sendable {
    public var name: String
    public var args: [JSONValue]
    public var kwargs: [String: JSONValue]
    /// nil: `task_routes`, else the task's own default queue.
    public var queue: String?
    public var priority: Int
    /// Seconds from now before the job may start.
    public var countdown: TimeInterval?
    /// Absolute start time; wins over `countdown`.
    public var eta: Date?
    public var idempotencyKey: String?

    public init(
        name: String, args: [JSONValue] = [], kwargs: [String: JSONValue] = [:], queue: String? = nil,
        priority: Int = 5, countdown: TimeInterval? = nil, eta: Date? = nil, idempotencyKey: String? = nil
    ) {
        self.name = name
        self.args = args
        self.kwargs = kwargs
        self.queue = queue
        self.priority = priority
        self.countdown = countdown
        self.eta = eta
        self.idempotencyKey = idempotencyKey
    }
}

/// Submits tasks: checks the name is registered, routes it to a queue, stores it, and wakes
/// this process's idle slots.
public final class QueueClient: Sendable {
    public let store: any QueueStore
    public let registry: TaskRegistry
    /// `task_routes`: task name → queue.
    public let routes: [String: String]
    public let doorbell: Doorbell
    public let clock: any WallClock

    public init(
        store: any QueueStore, registry: TaskRegistry, routes: [String: String] = [:], doorbell: Doorbell = Doorbell(),
        clock: any WallClock = SystemClock()
    ) {
        self.store = store
        self.registry = registry
        self.routes = routes
        self.doorbell = doorbell
        self.clock = clock
    }

    /// The queue a task goes to when the caller names none.
    public func queue(for name: String) -> String {
        routes[name] ?? registry.task(named: name)?.queue ?? "default"
    }

    @discardableResult
    public func submit(_ submission: TaskSubmission) async throws -> EnqueueResult {
        guard let definition = registry.task(named: submission.name) else { throw QueueError.unknownTask(submission.name) }
        if let validate = definition.validate {
            do {
                try validate(submission.args, submission.kwargs)
            } catch {
                throw QueueError.invalidJob("\(error)")
            }
        }
        let runAt = submission.eta ?? submission.countdown.map { clock.now().addingTimeInterval(max(0, $0)) }
        let job = NewJob(
            name: submission.name, args: submission.args, kwargs: submission.kwargs,
            queue: submission.queue ?? queue(for: submission.name), priority: submission.priority, runAt: runAt,
            idempotencyKey: submission.idempotencyKey)
        let result = try await store.enqueue(job)
        if !result.existing { doorbell.ringOne(queue: job.queue) }
        return result
    }
}

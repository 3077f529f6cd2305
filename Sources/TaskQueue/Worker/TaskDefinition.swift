import Foundation

/// A task body: runs on a worker slot's own thread (never on the cooperative pool), may block,
/// and returns a JSON result or throws.
public typealias TaskBody = @Sendable (TaskContext) throws -> JSONValue

/// A registered task: its name, default queue, retry policy and body.
public struct TaskDefinition: Sendable {
    public let name: String
    /// The queue used when neither `task_routes` nor the caller names one.
    public var queue: String
    /// nil: the worker's configured defaults (`max_retries`, `retry_delay`, ...).
    public var retry: RetryOptions?
    /// Seconds before the body is asked to stop with `SoftTimeLimitExceeded`; nil: the worker's default.
    public var softTimeLimit: TimeInterval?
    /// Seconds before the job fails with `TimeLimitExceeded` and the body is abandoned; nil: the worker's default.
    public var timeLimit: TimeInterval?
    /// At most this many starts per second/minute/hour in a process (`rate_limits` wins).
    public var rateLimit: RateLimit?
    /// Checks a submission's arguments before it is enqueued: a mistake the caller can fix (a
    /// file that may not be read, say) is refused at once as `invalid_job` (HTTP 422) instead of
    /// being accepted and failing later. The error's description is the message. The body must
    /// still check what can change between submission and run.
    public var validate: TaskArgumentsCheck?
    public let body: TaskBody

    public init(
        name: String, queue: String = "default", retry: RetryOptions? = nil, softTimeLimit: TimeInterval? = nil,
        timeLimit: TimeInterval? = nil, rateLimit: RateLimit? = nil, validate: TaskArgumentsCheck? = nil,
        body: @escaping TaskBody
    ) {
        self.name = name
        self.queue = queue
        self.retry = retry
        self.softTimeLimit = softTimeLimit
        self.timeLimit = timeLimit
        self.rateLimit = rateLimit
        self.validate = validate
        self.body = body
    }
}

/// Checks a submission's `args` and `kwargs`; throws to refuse it.
public typealias TaskArgumentsCheck = @Sendable (_ args: [JSONValue], _ kwargs: [String: JSONValue]) throws -> Void

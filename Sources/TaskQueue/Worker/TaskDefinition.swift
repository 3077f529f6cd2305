import Foundation

/// A task body: runs on a worker slot's own thread (never on the cooperative pool), may block,
/// and returns a JSON result or throws.
public typealias TaskBody = @Sendable (TaskContext) throws -> JSONValue

/// How a task retries, as in Celery (`max_retries`, `default_retry_delay`, `retry_backoff`,
/// `retry_jitter`, `autoretry_for`).
public struct RetryOptions: Sendable {
    /// At most `1 + maxRetries` runs.
    public var maxRetries: Int = 3
    /// Seconds before a retry (the base of the backoff).
    public var delay: TimeInterval = 300
    /// Double the delay with each retry.
    public var backoff = false
    /// Upper bound of a backed-off delay (Celery's `retry_backoff_max`).
    public var backoffMax: TimeInterval = 600
    /// Pick the delay uniformly in `0...delay`, so retries of many jobs spread out.
    public var jitter = true
    /// Error types that retry in addition to `RetryableError`.
    public var autoretryFor: [any Error.Type] = []

    public init(
        maxRetries: Int = 3, delay: TimeInterval = 300, backoff: Bool = false, backoffMax: TimeInterval = 600,
        jitter: Bool = true, autoretryFor: [any Error.Type] = []
    ) {
        self.maxRetries = maxRetries
        self.delay = delay
        self.backoff = backoff
        self.backoffMax = backoffMax
        self.jitter = jitter
        self.autoretryFor = autoretryFor
    }

    /// Whether `error` asks for a retry.
    public func isRetryable(_ error: any Error) -> Bool {
        if error is RetryableError { return true }
        let thrown = ObjectIdentifier(type(of: error))
        return autoretryFor.contains { ObjectIdentifier($0) == thrown }
    }

    /// Seconds to wait before the retry that follows `retriesSoFar` retries.
    public func delay(afterRetries retriesSoFar: Int, random: (ClosedRange<Double>) -> Double = Double.random(in:))
        -> TimeInterval
    {
        var seconds = delay
        if backoff {
            seconds = min(backoffMax, delay * pow(2, Double(max(0, retriesSoFar))))
        }
        if jitter && seconds > 0 {
            seconds = random(0...seconds)
        }
        return seconds
    }
}

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

/// Thrown by a body to ask for a retry (Celery's `self.retry()`); `countdown` overrides the delay.
public struct RetryableError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var countdown: TimeInterval?

    public init(_ message: String, countdown: TimeInterval? = nil) {
        self.message = message
        self.countdown = countdown
    }

    public var description: String { message }
}

/// An error that names its own stored `type`, `message` and `context`.
public protocol TaskErrorConvertible: Error {
    var taskError: TaskErrorInfo { get }
}

extension TaskErrorInfo: TaskErrorConvertible {
    public var taskError: TaskErrorInfo { self }

    /// How any thrown error is stored: its own description when it provides one, else its type.
    public init(_ error: any Error) {
        if let convertible = error as? any TaskErrorConvertible {
            self = convertible.taskError
        } else {
            self.init(type: String(describing: Swift.type(of: error)), message: String(describing: error))
        }
    }
}

/// Thrown by `TaskContext.checkCancellation()` when the slot asked the body to stop.
public struct TaskCancelled: Error, CustomStringConvertible, Sendable {
    public let reason: CancellationReason

    public init(reason: CancellationReason) {
        self.reason = reason
    }

    public var description: String { "the task was cancelled: \(reason.rawValue)" }
}

/// Thrown (once) by `TaskContext.checkCancellation()` when the soft time limit passed. A body
/// may catch it to clean up; then its own result or failure stands (as in Celery).
public struct SoftTimeLimitExceeded: Error, CustomStringConvertible, Sendable {
    public let seconds: TimeInterval
    public var description: String { "soft time limit (\(seconds) s) exceeded" }
}

/// Why a running body is asked to stop.
public enum CancellationReason: String, Sendable {
    case revoked
    case leaseLost = "lease lost"
    case shutdown
    case softTimeLimit = "soft time limit"
    case timeLimit = "time limit"
}

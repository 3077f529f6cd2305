import Foundation

/// How a task retries, as in Celery (`max_retries`, `default_retry_delay`, `retry_backoff`,
/// `retry_jitter`, `autoretry_for`).
public struct RetryOptions: Sendable, Equatable {
    /// At most `1 + maxRetries` runs.
    public var maxRetries: Int
    /// Seconds before a retry (the base of the backoff).
    public var delay: TimeInterval
    /// Double the delay with each retry.
    public var backoff: Bool
    /// Upper bound of a backed-off delay (Celery's `retry_backoff_max`).
    public var backoffMax: TimeInterval
    /// Pick the delay uniformly in `0...delay`, so retries of many jobs spread out.
    public var jitter: Bool
    /// Error types that retry in addition to `RetryableError`.
    public var autoretryFor: [any Error.Type]

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

    public static func == (lhs: RetryOptions, rhs: RetryOptions) -> Bool {
        lhs.maxRetries == rhs.maxRetries && lhs.delay == rhs.delay && lhs.backoff == rhs.backoff
            && lhs.backoffMax == rhs.backoffMax && lhs.jitter == rhs.jitter
            && lhs.autoretryFor.map(ObjectIdentifier.init) == rhs.autoretryFor.map(ObjectIdentifier.init)
    }
}

import Foundation

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

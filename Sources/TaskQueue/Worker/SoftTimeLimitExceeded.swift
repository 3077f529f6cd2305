import Foundation

/// Thrown (once) by `TaskContext.checkCancellation()` when the soft time limit passed. A body
/// may catch it to clean up; then its own result or failure stands (as in Celery).
public struct SoftTimeLimitExceeded: Error, CustomStringConvertible, Sendable {
    public let seconds: TimeInterval
    public var description: String { "soft time limit (\(seconds) s) exceeded" }
}

import Foundation

/// What `retry(id:)` did with a dead letter.
public enum RetryOutcome: Sendable, Equatable {
    /// A new task, linked to the original both ways.
    case created(String)
    case notFound
    /// Only `FAILURE` and `REVOKED` jobs can be retried by hand.
    case notFinished(TaskState)
    /// Retried once already, as this task.
    case alreadyRetried(String)
}

import Foundation

/// Thrown by `TaskContext.checkCancellation()` when the slot asked the body to stop.
public struct TaskCancelled: Error, CustomStringConvertible, Sendable {
    public let reason: CancellationReason

    public init(reason: CancellationReason) {
        self.reason = reason
    }

    public var description: String { "the task was cancelled: \(reason.rawValue)" }
}

/// Why a running body is asked to stop.
public enum CancellationReason: String, Sendable {
    case revoked
    case leaseLost = "lease lost"
    case shutdown
    case softTimeLimit = "soft time limit"
    case timeLimit = "time limit"
}

import Foundation

/// One delivery of a job to a worker slot, and how it ended.
public struct Attempt: Sendable, Codable, Equatable {
    public enum Outcome: String, Sendable, Codable {
        case success = "SUCCESS"
        case failure = "FAILURE"
        case retry = "RETRY"
        case revoked = "REVOKED"
        /// The lease lapsed: the worker died or stalled.
        case lost = "LOST"
        /// Given back at shutdown.
        case released = "RELEASED"
    }

    public var delivery: Int
    public var worker: String
    public var startedAt: Date
    public var finishedAt: Date?
    /// nil while running.
    public var outcome: Outcome?
    public var error: TaskErrorInfo?
}

/// Errors of the queue, with a stable code and a human message.
public struct QueueError: Error, Equatable, CustomStringConvertible, Sendable {
    private enum Code: String, Sendable {
        case staleLease = "stale_lease"
        case payloadTooLarge = "payload_too_large"
        case invalidJob = "invalid_job"
        case unknownTask = "unknown_task"
        case storage = "storage"
    }

    private let internalCode: Code
    /// A human sentence saying what went wrong.
    public let message: String

    private init(_ code: Code, _ message: String) {
        self.internalCode = code
        self.message = message
    }

    /// The snake_case code, as used in API error bodies.
    public var code: String { internalCode.rawValue }
    public var description: String { message }

    /// A lease-holder write whose fencing token is no longer the job's current one.
    public static func staleLease(_ jobID: String) -> QueueError {
        QueueError(.staleLease, "the lease on job \(jobID) is no longer held by this delivery")
    }

    public static func payloadTooLarge(size: Int, limit: Int) -> QueueError {
        QueueError(.payloadTooLarge, "the task message is \(size) bytes, over the limit of \(limit) bytes")
    }

    public static func invalidJob(_ reason: String) -> QueueError {
        QueueError(.invalidJob, reason)
    }

    public static func unknownTask(_ name: String) -> QueueError {
        QueueError(.unknownTask, "no task named '\(name)' is registered")
    }

    public static func storage(_ reason: String) -> QueueError {
        QueueError(.storage, reason)
    }

    public static func == (lhs: QueueError, rhs: QueueError) -> Bool {
        lhs.internalCode == rhs.internalCode
    }
}

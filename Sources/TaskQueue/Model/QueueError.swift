import Common

/// Errors of the queue, with a stable code, a human message and, for storage failures, the
/// backend's own error as the cause. Every backend reports storage failures with the same
/// codes (`StorageFault`), so callers never look at SQLite or PostgreSQL codes.
public struct QueueError: Error, Equatable, CustomStringConvertible, Sendable {
    private enum Code: String, Sendable {
        case staleLease = "stale_lease"
        case payloadTooLarge = "payload_too_large"
        case invalidJob = "invalid_job"
        case unknownTask = "unknown_task"
        /// A write broke a uniqueness or other constraint of the schema (a concurrent write won).
        case constraint = "constraint"
        /// Storage failed in a way that is not a `StorageFault` (a bug, a corrupt file).
        case storage = "storage"
        case storageFull = "storage_full"
        case storageReadOnly = "storage_read_only"
        case storageBusy = "storage_busy"
        case storageUnavailable = "storage_unavailable"
    }

    private let internalCode: Code
    /// A human sentence saying what went wrong.
    public let message: String
    /// The storage condition, when storage refused the operation.
    public let fault: StorageFault?
    /// The underlying error (the backend's own), if any.
    public let cause: (any Error & Sendable)?

    private init(_ code: Code, _ message: String, fault: StorageFault? = nil, cause: (any Error & Sendable)? = nil) {
        self.internalCode = code
        self.message = message
        self.fault = fault
        self.cause = cause
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

    /// A write broke a constraint of the schema: a conflict with data already stored.
    public static func constraint(_ message: String, cause: (any Error & Sendable)? = nil) -> QueueError {
        QueueError(.constraint, message, cause: cause)
    }

    /// Storage failed for a reason that is not a storage condition.
    public static func storage(_ reason: String, cause: (any Error & Sendable)? = nil) -> QueueError {
        QueueError(.storage, reason, cause: cause)
    }

    /// Storage refused the operation: full, read-only, busy or unavailable.
    public static func storage(_ fault: StorageFault, cause: (any Error & Sendable)? = nil) -> QueueError {
        let code: Code
        switch fault.kind {
        case .full: code = .storageFull
        case .readOnly: code = .storageReadOnly
        case .busy: code = .storageBusy
        case .unavailable: code = .storageUnavailable
        }
        return QueueError(code, fault.message, fault: fault, cause: cause)
    }

    public static func == (lhs: QueueError, rhs: QueueError) -> Bool {
        lhs.internalCode == rhs.internalCode
    }
}

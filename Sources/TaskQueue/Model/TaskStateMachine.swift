/// Something that happens to a job. Every state change of every storage backend is one of these.
public enum TaskEvent: String, Sendable, CaseIterable {
    /// A worker slot claims a waiting, due job and takes its lease.
    case claim
    /// The lease holder reports progress `meta`.
    case progress
    /// The body returned: late ack.
    case succeed
    /// The body threw a non-retryable error, exhausted its retries, or hit its hard time limit.
    case fail
    /// The body threw a retryable error and retries remain.
    case retry
    /// Warm or cold shutdown gives the job back; not counted as a lost delivery.
    case release
    /// The lease lapsed (the holder's process died) and deliveries remain.
    case leaseLost
    /// The lease lapsed for the `max_deliveries`-th time: `WorkerLost`.
    case leaseLostFinal
    /// A client revokes the job.
    case revoke
    /// The body of a revoked running job stopped.
    case stopRevoked
    /// `purge` removes a waiting job.
    case purge
}

/// What a storage backend must do for an event.
public enum TaskTransition: Sendable, Equatable {
    /// Set the state (and the fields that go with the event).
    case moveTo(TaskState)
    /// Keep the state, raise the revoke flag so the holder's worker cancels the body.
    case flagRevoke
    /// Delete the job row.
    case delete
}

/// The one place that knows which task-state changes are legal (DESIGN.md §3).
/// Pure: backends ask it what to do, and build their SQL conditions from `sources(of:)`.
public enum TaskStateMachine {
    public struct IllegalTransition: Error, Equatable, CustomStringConvertible, Sendable {
        public let event: TaskEvent
        public let state: TaskState
        public var description: String { "cannot \(event.rawValue) a job in state \(state.rawValue)" }
    }

    public static func transition(_ event: TaskEvent, from state: TaskState) throws(IllegalTransition)
        -> TaskTransition
    {
        switch (event, state) {
        case (.claim, .pending), (.claim, .retry):
            return .moveTo(.started)
        case (.progress, .started), (.progress, .progress):
            return .moveTo(.progress)
        case (.succeed, .started), (.succeed, .progress):
            return .moveTo(.success)
        case (.fail, .started), (.fail, .progress):
            return .moveTo(.failure)
        case (.retry, .started), (.retry, .progress):
            return .moveTo(.retry)
        case (.release, .started), (.release, .progress):
            return .moveTo(.pending)
        case (.leaseLost, .started), (.leaseLost, .progress):
            return .moveTo(.pending)
        case (.leaseLostFinal, .started), (.leaseLostFinal, .progress):
            return .moveTo(.failure)
        case (.revoke, .pending), (.revoke, .retry):
            return .moveTo(.revoked)
        case (.revoke, .started), (.revoke, .progress):
            return .flagRevoke
        case (.stopRevoked, .started), (.stopRevoked, .progress):
            return .moveTo(.revoked)
        case (.purge, .pending), (.purge, .retry):
            return .delete
        default:
            throw IllegalTransition(event: event, state: state)
        }
    }

    /// The states from which `event` is legal.
    public static func sources(of event: TaskEvent) -> [TaskState] {
        TaskState.allCases.filter { (try? transition(event, from: $0)) != nil }
    }

    /// `state IN ('A','B')` for SQL. Literal values, not parameters: SQLite uses a partial
    /// index only when its predicate appears literally in the query.
    public static func sqlCondition(of event: TaskEvent, column: String = "state") -> String {
        let list = sources(of: event).map { "'\($0.rawValue)'" }.joined(separator: ",")
        return "\(column) IN (\(list))"
    }
}

import Foundation

/// A job to enqueue: the message `{name, args, kwargs}` plus routing options.
public struct NewJob: Sendable, Equatable {
    public var name: String
    public var args: [JSONValue]
    public var kwargs: [String: JSONValue]
    public var queue: String
    /// 0–9, 9 most urgent.
    public var priority: Int
    /// Not claimable before this time (ETA or countdown); nil means now.
    public var runAt: Date?
    /// The same key within 24 h returns the same task id.
    public var idempotencyKey: String?

    public init(
        name: String, args: [JSONValue] = [], kwargs: [String: JSONValue] = [:], queue: String = "default",
        priority: Int = 5, runAt: Date? = nil, idempotencyKey: String? = nil
    ) {
        self.name = name
        self.args = args
        self.kwargs = kwargs
        self.queue = queue
        self.priority = priority
        self.runAt = runAt
        self.idempotencyKey = idempotencyKey
    }

    /// The message as stored and measured against `max_payload_bytes`.
    public var messageSize: Int {
        JSONValue.array(args).jsonData.count + JSONValue.object(kwargs).jsonData.count + name.utf8.count
    }

    /// Checks the fields every backend stores.
    public func validate(maxPayloadBytes: Int) throws(QueueError) {
        guard !name.isEmpty else { throw .invalidJob("the task name is empty") }
        guard !queue.isEmpty, queue.utf8.count <= 200 else { throw .invalidJob("the queue name must have 1–200 bytes") }
        guard (0...9).contains(priority) else { throw .invalidJob("priority must be between 0 and 9") }
        let size = messageSize
        guard size <= maxPayloadBytes else { throw .payloadTooLarge(size: size, limit: maxPayloadBytes) }
    }
}

/// The answer to an enqueue: the committed id, and whether an idempotency key matched an earlier job.
public struct EnqueueResult: Sendable, Equatable {
    public let id: String
    public let existing: Bool
}

/// Proof of holding a job: its id and the fencing token of this delivery.
public struct Lease: Sendable, Hashable, CustomStringConvertible {
    public let jobID: String
    public let token: Int64

    public init(jobID: String, token: Int64) {
        self.jobID = jobID
        self.token = token
    }

    public var description: String { "\(jobID)#\(token)" }
}

/// A job a worker slot has claimed. Arguments stay JSON text until the slot's thread reads
/// them, so the claim's transaction does no decoding.
public struct ClaimedJob: Sendable {
    public let id: String
    public let name: String
    /// `args` as stored: a JSON array.
    public let argsJSON: String
    /// `kwargs` as stored: a JSON object.
    public let kwargsJSON: String
    public let queue: String
    public let priority: Int
    public let lease: Lease
    /// Claims so far, this one included.
    public let deliveries: Int
    /// Retries so far (0 on the first run).
    public let retries: Int
    public let enqueuedAt: Date
    /// When the job became due (its ETA or retry time, else its enqueue time).
    public let runAt: Date
    public let leaseUntil: Date

    public var args: [JSONValue] { (try? JSONValue(parsing: argsJSON))?.arrayValue ?? [] }
    public var kwargs: [String: JSONValue] { (try? JSONValue(parsing: kwargsJSON))?.objectValue ?? [:] }
}

/// What a lease holder learns when it renews.
public enum LeaseStatus: Sendable, Equatable {
    /// Still held; `revokeRequested` asks the holder to cancel the body.
    case held(until: Date, revokeRequested: Bool)
    /// Someone else owns the job now (or it ended): stop, write nothing.
    case lost
}

/// A task error as stored: `type`, `message`, and optional JSON `context`.
public struct TaskErrorInfo: Sendable, Codable, Equatable, Error {
    public var type: String
    public var message: String
    public var context: JSONValue?

    public init(type: String, message: String, context: JSONValue? = nil) {
        self.type = type
        self.message = message
        self.context = context
    }
}

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

/// Everything known about a job.
public struct JobRecord: Sendable, Equatable {
    public var id: String
    public var name: String
    public var queue: String
    public var priority: Int
    public var state: TaskState
    public var args: [JSONValue]
    public var kwargs: [String: JSONValue]
    public var enqueuedAt: Date
    public var runAt: Date
    public var startedAt: Date?
    public var dateDone: Date?
    public var leaseUntil: Date?
    public var worker: String?
    public var deliveries: Int
    /// Deliveries whose lease lapsed.
    public var lostDeliveries: Int
    public var retries: Int
    public var meta: JSONValue?
    public var result: JSONValue?
    public var error: TaskErrorInfo?
    public var revokeRequested: Bool
    public var expiresAt: Date?
    public var attempts: [Attempt]
    /// The dead letter this task re-runs (`POST /api/v1/tasks/{id}/retry`).
    public var retryOf: String? = nil
    /// The task that re-runs this dead letter.
    public var retriedAs: String? = nil

    /// The state a reader should see at `now`: a running job whose lease lapsed is waiting to
    /// be delivered again, so it shows as `PENDING` even before a worker reclaims it.
    public func visibleState(at now: Date) -> TaskState {
        if state.isRunning, let leaseUntil, leaseUntil < now { return .pending }
        return state
    }
}

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

/// The answer to a lookup by id: unknown ids are never a fake `PENDING`.
public enum JobLookup: Sendable, Equatable {
    case found(JobRecord)
    /// Never existed, or its result expired and was (or is about to be) deleted.
    case notFound
}

/// Filters for job listings (newest first).
public struct JobFilter: Sendable, Equatable {
    public var state: TaskState?
    public var name: String?
    public var queue: String?
    public var limit: Int
    public var offset: Int

    public init(state: TaskState? = nil, name: String? = nil, queue: String? = nil, limit: Int = 20, offset: Int = 0) {
        self.state = state
        self.name = name
        self.queue = queue
        self.limit = limit
        self.offset = offset
    }
}

/// A worker process as recorded by its heartbeats.
public struct WorkerInfo: Sendable, Codable, Equatable {
    public struct Pool: Sendable, Codable, Equatable {
        public var queues: [String]
        public var concurrency: Int

        public init(queues: [String], concurrency: Int) {
            self.queues = queues
            self.concurrency = concurrency
        }
    }

    public var name: String
    public var pid: Int
    public var host: String
    public var startedAt: Date
    public var lastSeen: Date
    public var pools: [Pool]
    public var registered: [String]
    /// Processed (finished) jobs per task name.
    public var processed: [String: Int]
    /// Failed jobs per task name.
    public var failed: [String: Int]
    public var active: [String]

    public init(
        name: String, pid: Int, host: String, startedAt: Date, lastSeen: Date, pools: [Pool],
        registered: [String], processed: [String: Int] = [:], failed: [String: Int] = [:], active: [String] = []
    ) {
        self.name = name
        self.pid = pid
        self.host = host
        self.startedAt = startedAt
        self.lastSeen = lastSeen
        self.pools = pools
        self.registered = registered
        self.processed = processed
        self.failed = failed
        self.active = active
    }
}

/// Per-queue counts, as `GET /api/v1/queues` and `inspect stats` show them.
public struct QueueStats: Sendable, Equatable {
    public var name: String
    /// Due `PENDING` jobs.
    public var waiting = 0
    /// `PENDING` or `RETRY` jobs whose time has not come.
    public var delayed = 0
    /// `STARTED` or `PROGRESS`.
    public var running = 0
    /// `RETRY` jobs (due or not).
    public var retrying = 0
    /// `FAILURE` jobs kept as dead letters.
    public var failed = 0
    /// Seconds the oldest due waiting job has waited; nil when none waits.
    public var oldestWaitingAge: Double?
    /// Not claimed from while paused.
    public var paused = false

    public init(name: String) {
        self.name = name
    }
}

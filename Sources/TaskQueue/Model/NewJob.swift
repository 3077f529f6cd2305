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

import Foundation
import Synchronization

/// What a running body knows about its job and can tell the queue. Bodies run on their own
/// threads, so these calls block that thread (never a cooperative one).
public final class TaskContext: Sendable {
    public let id: String
    public let name: String
    public let args: [JSONValue]
    public let kwargs: [String: JSONValue]
    /// Claims so far, this one included.
    public let deliveries: Int
    /// Retries so far (0 on the first run).
    public let retries: Int
    let lease: Lease
    private let client: QueueClient
    private var store: any LeaseStore { client.store }

    /// This delivery's fencing token: a later delivery of the same job has a greater one. Work
    /// that writes elsewhere (another database) can fence its own writes with it.
    public var fencingToken: Int64 { lease.token }
    private struct Cancellation {
        var reasons: Set<CancellationReason> = []
        var softLimit: TimeInterval = 0
        var softLimitThrown = false
        var interruptHandlers: [@Sendable () -> Void] = []
        /// Run when the body is asked to stop for any reason but the soft time limit.
        var stopHandlers: [Int: @Sendable () -> Void] = [:]
        var nextHandler = 0
    }

    private let cancellation = Mutex(Cancellation())

    init(job: ClaimedJob, client: QueueClient) {
        self.id = job.id
        self.name = job.name
        self.args = job.args
        self.kwargs = job.kwargs
        self.deliveries = job.deliveries
        self.retries = job.retries
        self.lease = job.lease
        self.client = client
    }

    /// Why the body has been asked to stop, if it has (the weightiest reason when there are several).
    public var cancellationReason: CancellationReason? {
        let reasons = cancellation.withLock { $0.reasons }
        let order: [CancellationReason] = [.revoked, .timeLimit, .shutdown, .leaseLost, .softTimeLimit]
        return order.first { reasons.contains($0) }
    }

    public var isCancelled: Bool { cancellationReason != nil }

    func isCancelled(for reason: CancellationReason) -> Bool {
        cancellation.withLock { $0.reasons.contains(reason) }
    }

    /// Throws if the body has been asked to stop: `SoftTimeLimitExceeded` once when the soft
    /// time limit passed, `TaskCancelled` for every other reason.
    public func checkCancellation() throws {
        let (reason, soft) = cancellation.withLock { state -> (CancellationReason?, TimeInterval?) in
            let hard = state.reasons.subtracting([.softTimeLimit])
            if let reason = [CancellationReason.revoked, .timeLimit, .shutdown, .leaseLost].first(where: hard.contains) {
                return (reason, nil)
            }
            if state.reasons.contains(.softTimeLimit) && !state.softLimitThrown {
                state.softLimitThrown = true
                return (nil, state.softLimit)
            }
            return (nil, nil)
        }
        if let reason { throw TaskCancelled(reason: reason) }
        if let soft { throw SoftTimeLimitExceeded(seconds: soft) }
    }

    /// Registers work that stops a blocking call of the body, such as `DatabasePool.interrupt()`
    /// for a long SQLite statement. It runs when the hard time limit abandons the body.
    public func onInterrupt(_ handler: @escaping @Sendable () -> Void) {
        cancellation.withLock { $0.interruptHandlers.append(handler) }
    }

    func cancel(_ reason: CancellationReason, softLimit: TimeInterval = 0) {
        let handlers = cancellation.withLock { state -> [@Sendable () -> Void] in
            state.reasons.insert(reason)
            if reason == .softTimeLimit {
                state.softLimit = softLimit
                return []
            }
            return Array(state.stopHandlers.values)
        }
        for handler in handlers { handler() }
    }

    /// Runs async work (an HTTP request, a submission) from the body's thread and waits for it.
    /// The work is cancelled when the body is asked to stop (revoked, time limit, shutdown).
    public func waitFor<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) throws -> T {
        try checkCancellation()
        let outcome = Mutex<Result<T, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        let task = Task {
            let result: Result<T, any Error>
            do { result = .success(try await work()) } catch { result = .failure(error) }
            outcome.withLock { $0 = result }
            done.signal()
        }
        blocking({ done.wait() }, onStop: { task.cancel() })
        return try outcome.withLock { $0! }.get()
    }

    /// Runs a blocking call of the body (waiting on an event loop's future, say) with `stop`
    /// registered: it runs if the body is asked to stop meanwhile (revoked, hard time limit,
    /// shutdown), or at once if it already was. `stop` must make `call` return.
    public func blocking<T>(_ call: () throws -> T, onStop stop: @escaping @Sendable () -> Void) rethrows -> T {
        let key = cancellation.withLock { state -> Int? in
            guard state.reasons.subtracting([.softTimeLimit]).isEmpty else { return nil }
            state.nextHandler += 1
            state.stopHandlers[state.nextHandler] = stop
            return state.nextHandler
        }
        if key == nil { stop() }
        defer {
            if let key { cancellation.withLock { _ = $0.stopHandlers.removeValue(forKey: key) } }
        }
        return try call()
    }

    /// Submits another task (Celery's `.delay()` from inside a task); returns once committed.
    public func submit(_ submission: TaskSubmission) throws -> EnqueueResult {
        let client = self.client
        return try waitFor { try await client.submit(submission) }
    }

    /// Interrupts the body's registered blocking calls.
    func interrupt() {
        for handler in cancellation.withLock({ $0.interruptHandlers }) { handler() }
    }

    /// Records progress (`PROGRESS` with `meta`), committed before it returns. Throws
    /// `QueueError.staleLease` if this delivery no longer holds the job: the body should stop.
    public func progress(_ meta: JSONValue) throws {
        try store.progress(lease, meta: meta)
    }

    /// Sleeps up to `seconds`, throwing as `checkCancellation()` does when asked to stop.
    public func sleep(_ seconds: TimeInterval) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            try checkCancellation()
            let left = deadline.timeIntervalSinceNow
            if left <= 0 { return }
            Thread.sleep(forTimeInterval: min(left, 0.02))
        }
    }
}

import Dispatch
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
    private let store: any QueueStore
    private let cancellation: Mutex<CancellationReason?> = Mutex(nil)

    init(job: ClaimedJob, store: any QueueStore) {
        self.id = job.id
        self.name = job.name
        self.args = job.args
        self.kwargs = job.kwargs
        self.deliveries = job.deliveries
        self.retries = job.retries
        self.lease = job.lease
        self.store = store
    }

    /// Why the body has been asked to stop, if it has.
    public var cancellationReason: CancellationReason? { cancellation.withLock { $0 } }
    public var isCancelled: Bool { cancellationReason != nil }

    /// Throws `TaskCancelled` if the body has been asked to stop.
    public func checkCancellation() throws {
        if let reason = cancellationReason { throw TaskCancelled(reason: reason) }
    }

    func cancel(_ reason: CancellationReason) {
        cancellation.withLock { current in
            if current == nil { current = reason }
        }
    }

    /// Records progress (`PROGRESS` with `meta`), committed before it returns. Throws
    /// `QueueError.staleLease` if this delivery no longer holds the job: the body should stop.
    public func progress(_ meta: JSONValue) throws {
        let store = self.store
        let lease = self.lease
        try Self.blocking { try await store.progress(lease, meta: meta) }
    }

    /// Sleeps up to `seconds`, returning early (throwing `TaskCancelled`) when asked to stop.
    public func sleep(_ seconds: TimeInterval) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            try checkCancellation()
            let left = deadline.timeIntervalSinceNow
            if left <= 0 { return }
            Thread.sleep(forTimeInterval: min(left, 0.02))
        }
    }

    /// Runs async work from a body thread and waits for it. Only for non-cooperative threads.
    static func blocking<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) throws -> T {
        let done = DispatchSemaphore(value: 0)
        let outcome = Mutex<Result<T, any Error>?>(nil)
        Task {
            let result: Result<T, any Error>
            do { result = .success(try await work()) } catch { result = .failure(error) }
            outcome.withLock { $0 = result }
            done.signal()
        }
        done.wait()
        return try outcome.withLock { $0 }!.get()
    }
}

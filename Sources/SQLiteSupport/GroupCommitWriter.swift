import Dispatch
import Foundation
import GRDB
import SQLiteSupport
import Synchronization

/// One writer per process: it gathers the writes of many callers (claims, acks, renewals,
/// enqueues) into one short `BEGIN IMMEDIATE` transaction, and answers each caller only after
/// that transaction committed (group commit, DESIGN.md §3 "atomicity and throughput").
///
/// Leader/follower: a worker thread that writes while no transaction is running leads — it
/// runs the transaction itself, with every write waiting at that moment, so the common case
/// costs no thread hop. Async callers (request handlers on the cooperative pool) never lead:
/// their writes are run by a leader, or by the writer's own dispatch queue.
///
/// Each write runs in its own savepoint, so one caller's error (a stale lease, a constraint)
/// undoes only that caller's changes. Transactions are capped in writes and in time.
///
/// The writer connection's prepared statements are made at the first transaction by
/// `makeStatements`: at least the transaction's own (`TransactionStatements`); the queue adds
/// its claim and ack.
/// (The class is not generic over them: unspecialized generic code across modules cost the
/// queue 10% of its drain rate.)
public final class GroupCommitWriter: Sendable {
    // The generic entry points (`write`, `writeSync`) are inlinable, so that each client module
    // specializes them for its own result types; what they reach is `@usableFromInline`.

    @usableFromInline
    struct Pending: Sendable {
        @usableFromInline let run: @Sendable (Database, any WriterStatements) -> Void
        @usableFromInline let commit: @Sendable (Result<Void, any Error>) -> Void
        /// For a blocked worker thread: hands it the lead, so it runs the next transaction itself.
        @usableFromInline let promote: (@Sendable () -> Void)?

        @inlinable
        init(
            run: @escaping @Sendable (Database, any WriterStatements) -> Void,
            commit: @escaping @Sendable (Result<Void, any Error>) -> Void, promote: (@Sendable () -> Void)?
        ) {
            self.run = run
            self.commit = commit
            self.promote = promote
        }
    }

    /// What a blocked worker thread is woken for.
    @usableFromInline
    final class Wakeup: Sendable {
        @usableFromInline
        enum Event: Sendable { case committed, promoted }
        private let semaphore = DispatchSemaphore(value: 0)
        private let events = Mutex<[Event]>([])

        @usableFromInline
        init() {}

        @usableFromInline
        func post(_ event: Event) {
            events.withLock { $0.append(event) }
            semaphore.signal()
        }

        @usableFromInline
        func wait() -> Event {
            semaphore.wait()
            return events.withLock { $0.removeFirst() }
        }
    }

    private struct State {
        var pending: [Pending] = []
        var leading = false
        /// When each worker thread last wrote: a sibling that wrote moments ago is about to
        /// write again, so a transaction of one write may wait a few µs for it.
        var lastSyncWrite: [ObjectIdentifier: ContinuousClock.Instant] = [:]
    }

    /// How long a lone write waits for an active sibling's write to share its transaction
    /// (PostgreSQL's `commit_delay`): far less than the transaction itself costs.
    static let siblingWait = Duration.microseconds(60)
    /// A thread that wrote within this window counts as an active sibling.
    static let siblingWindow = Duration.milliseconds(2)

    /// Largest number of writes in one transaction.
    static let maxBatch = 256
    /// Writes stop joining a transaction after this long (DESIGN.md: none over ~20 ms).
    static let maxTransactionTime = Duration.milliseconds(10)

    private let pool: DatabasePool
    private let state = Mutex(State())
    @usableFromInline let queue = DispatchQueue(label: "importer.queue.writer", qos: .userInitiated)
    private let longest = Mutex(Duration.zero)
    private let totals = Mutex((transactions: 0, writes: 0, busy: Duration.zero))
    /// Prepared on the writer connection at the first transaction.
    private let hot = Mutex<(any WriterStatements)?>(nil)
    private let makeStatements: @Sendable (Database) throws -> any WriterStatements

    public init(
        pool: DatabasePool, statements: @escaping @Sendable (Database) throws -> any WriterStatements = TransactionStatements.init
    ) {
        self.pool = pool
        self.makeStatements = statements
    }

    deinit {
        // Finalize before the pool closes its connections.
        hot.withLock { $0 = nil }
    }

    /// The prepared statements of the writer connection. Only call it inside a write's body.
    public func hotStatements(_ db: Database) throws -> any WriterStatements {
        try hot.withLock { hot in
            if let hot { return hot }
            let statements = try makeStatements(db)
            hot = statements
            return statements
        }
    }

    /// Runs `body` in the next group transaction from a thread that may block; returns its
    /// value once committed. Never call it from the cooperative pool.
    @inlinable
    public func writeSync<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) throws -> T {
        let wakeup = Wakeup()
        let outcome = Mutex<Result<T, any Error>?>(nil)
        let pending = Self.pending(body, promote: { wakeup.post(.promoted) }) { result in
            outcome.withLock { $0 = result }
            wakeup.post(.committed)
        }
        if enqueue(pending, syncThread: ObjectIdentifier(Thread.current)) { lead(handOffAfterFirstBatch: true) }
        while wakeup.wait() == .promoted {
            lead(handOffAfterFirstBatch: true)
        }
        return try outcome.withLock { $0 }!.get()
    }

    /// Runs `body` in the next group transaction; returns its value once committed.
    @inlinable
    public func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let pending = Self.pending(body, promote: nil) { continuation.resume(with: $0) }
            if enqueue(pending) {
                queue.async { self.lead(handOffAfterFirstBatch: false) }
            }
        }
    }

    /// Wraps `body` in a savepoint (so its error undoes only its own changes) and reports its own result once the transaction committed.
    @inlinable
    static func pending<T: Sendable>(
        _ body: @escaping @Sendable (Database) throws -> T, promote: (@Sendable () -> Void)?,
        answer: @escaping @Sendable (Result<T, any Error>) -> Void
    ) -> Pending {
        let outcome = Mutex<Result<T, any Error>?>(nil)
        return Pending(
            run: { db, hot in
                do {
                    let value = try hot.transactions.run { try body(db) }
                    outcome.withLock { $0 = .success(value) }
                } catch {
                    outcome.withLock { $0 = .failure(error) }
                }
            },
            commit: { committed in
                switch committed {
                case .failure(let error):
                    answer(.failure(error))
                case .success:
                    answer(outcome.withLock { $0 } ?? .failure(SQLiteError("write was not run")))
                }
            }, promote: promote)
    }

    /// Queues a write; returns true if the caller must lead (no transaction is running).
    @usableFromInline
    func enqueue(_ pending: Pending, syncThread: ObjectIdentifier? = nil) -> Bool {
        state.withLock { state in
            state.pending.append(pending)
            if let syncThread {
                let now = ContinuousClock.now
                if state.lastSyncWrite.count > 64 {
                    state.lastSyncWrite = state.lastSyncWrite.filter { now - $0.value < Self.siblingWindow }
                }
                state.lastSyncWrite[syncThread] = now
            }
            if state.leading { return false }
            state.leading = true
            return true
        }
    }

    /// Runs transactions until no write waits. A worker thread leads one batch (its own write is
    /// in it) and then passes the lead on — to the next blocked worker thread, which is woken
    /// anyway, else to the dispatch queue — so it is not kept from its own job.
    @usableFromInline
    func lead(handOffAfterFirstBatch: Bool) {
        while true {
            let batch = state.withLock { state -> [Pending] in
                if state.pending.isEmpty {
                    state.leading = false
                    return []
                }
                let count = min(state.pending.count, Self.maxBatch)
                defer { state.pending.removeFirst(count) }
                return Array(state.pending.prefix(count))
            }
            if batch.isEmpty { return }
            commit(batch.count == 1 ? batch + awaitSibling() : batch)
            if handOffAfterFirstBatch {
                let promote = state.withLock { state -> (@Sendable () -> Void)?? in
                    if state.pending.isEmpty {
                        state.leading = false
                        return .none
                    }
                    return .some(state.pending.first(where: { $0.promote != nil })?.promote)
                }
                switch promote {
                case .none: break  // nothing left: the lead ends
                case .some(.some(let promote)): promote()
                case .some(.none): queue.async { self.lead(handOffAfterFirstBatch: false) }
                }
                return
            }
        }
    }

    /// A lone write waits up to `siblingWait` for the write of another worker thread that wrote
    /// within `siblingWindow` (it is running a short body and about to ack): two writes then
    /// share one commit. Returns the writes that arrived.
    private func awaitSibling() -> [Pending] {
        let now = ContinuousClock.now
        let active = state.withLock { state in
            state.lastSyncWrite.values.filter { now - $0 < Self.siblingWindow }.count
        }
        guard active >= 2 else { return [] }
        let deadline = now + Self.siblingWait
        while ContinuousClock.now < deadline {
            let arrived = state.withLock { state -> [Pending] in
                let count = min(state.pending.count, Self.maxBatch - 1)
                defer { state.pending.removeFirst(count) }
                return Array(state.pending.prefix(count))
            }
            if !arrived.isEmpty { return arrived }
            sched_yield()
        }
        return []
    }

    /// One transaction over `batch`; writes it had no time for go back to the front of the line.
    private func commit(_ batch: [Pending]) {
        var done = 0
        let committed: Result<Void, any Error>
        let began = ContinuousClock.now
        do {
            try pool.writeWithoutTransaction { db in
                let hot = try hotStatements(db)
                try hot.transactions.immediate {
                    for pending in batch {
                        pending.run(db, hot)
                        done += 1
                        if ContinuousClock.now - began > Self.maxTransactionTime { break }
                    }
                    try hot.willCommit(db)
                }
            }
            committed = .success(())
        } catch {
            committed = .failure(error)
        }
        record(ContinuousClock.now - began, writes: done)
        if case .success = committed, done < batch.count {
            let rest = batch[done...]
            state.withLock { $0.pending.insert(contentsOf: rest, at: 0) }
        } else {
            done = batch.count  // a failed transaction fails every write of the batch
        }
        for pending in batch.prefix(done) { pending.commit(committed) }
    }

    // MARK: Statistics (for benchmarks)

    private func record(_ took: Duration, writes: Int) {
        longest.withLock { $0 = max($0, took) }
        totals.withLock { totals in
            totals.transactions += 1
            totals.writes += writes
            totals.busy += took
        }
    }

    /// The longest write transaction so far, in seconds.
    public var longestTransaction: Double { longest.withLock { $0 }.seconds }

    /// Transactions, writes and seconds spent in transactions so far.
    public var statistics: (transactions: Int, writes: Int, busySeconds: Double) {
        let value = totals.withLock { $0 }
        return (value.transactions, value.writes, value.busy.seconds)
    }
}

extension Duration {
    /// This duration in seconds.
    public var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}

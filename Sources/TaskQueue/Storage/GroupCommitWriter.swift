import Dispatch
import Foundation
import GRDB
import Synchronization

/// One writer per process: it gathers the writes of many callers (claims, acks, renewals,
/// enqueues) into one short `BEGIN IMMEDIATE` transaction, and answers each caller only after
/// that transaction committed (group commit, DESIGN.md §3 "atomicity and throughput").
///
/// Each write runs in its own savepoint, so one caller's error (a stale lease, a constraint)
/// undoes only that caller's changes. Batches are capped so no transaction runs long.
final class GroupCommitWriter: Sendable {
    private struct Pending: Sendable {
        let run: @Sendable (Database) -> Void
        let commit: @Sendable (Result<Void, any Error>) -> Void
    }

    private struct State {
        var pending: [Pending] = []
        var draining = false
    }

    /// Largest number of writes in one transaction; at a few tens of µs each this keeps a
    /// transaction well under the ~20 ms bound.
    static let maxBatch = 256
    /// Writes stop joining a transaction after this long (DESIGN.md: none over ~20 ms).
    static let maxTransactionTime = Duration.milliseconds(10)

    private let pool: DatabasePool
    private let state = Mutex(State())
    private let longest = Mutex(Duration.zero)
    private let totals = Mutex((transactions: 0, writes: 0, busy: Duration.zero))

    /// Transactions, writes and time spent in transactions so far (for benchmarks).
    var statistics: (transactions: Int, writes: Int, busySeconds: Double) {
        let value = totals.withLock { $0 }
        return (value.transactions, value.writes, Double(value.busy.components.seconds) + Double(value.busy.components.attoseconds) / 1e18)
    }

    /// The longest write transaction so far, in seconds (for benchmarks).
    var longestTransaction: Double {
        let value = longest.withLock { $0 }
        return Double(value.components.seconds) + Double(value.components.attoseconds) / 1e18
    }
    private let queue = DispatchQueue(label: "importer.queue.writer", qos: .userInitiated)

    init(pool: DatabasePool) {
        self.pool = pool
    }

    /// Runs `body` in the next group transaction; returns its value once committed.
    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let outcome = Mutex<Result<T, any Error>?>(nil)
            let pending = Pending(
                run: { db in
                    do {
                        var value: T?
                        try db.inSavepoint {
                            value = try body(db)
                            return .commit
                        }
                        outcome.withLock { $0 = .success(value!) }
                    } catch {
                        outcome.withLock { $0 = .failure(error) }
                    }
                },
                commit: { committed in
                    switch committed {
                    case .failure(let error):
                        continuation.resume(throwing: error)
                    case .success:
                        let result = outcome.withLock { $0 } ?? .failure(QueueError.storage("write was not run"))
                        continuation.resume(with: result)
                    }
                })
            submit(pending)
        }
    }

    private func submit(_ pending: Pending) {
        let startDrain = state.withLock { state -> Bool in
            state.pending.append(pending)
            if state.draining { return false }
            state.draining = true
            return true
        }
        if startDrain {
            queue.async { self.drain() }
        }
    }

    /// Runs batches until no write is waiting. Writes that arrive while a transaction runs
    /// form the next batch: the busier the queue, the more each commit carries.
    private func drain() {
        while true {
            let batch = state.withLock { state -> [Pending] in
                if state.pending.isEmpty {
                    state.draining = false
                    return []
                }
                let count = min(state.pending.count, Self.maxBatch)
                let batch = Array(state.pending.prefix(count))
                state.pending.removeFirst(count)
                return batch
            }
            if batch.isEmpty { return }
            var done = 0
            let committed: Result<Void, any Error>
            let began = ContinuousClock.now
            do {
                try pool.writeWithoutTransaction { db in
                    try db.inTransaction(.immediate) {
                        let start = ContinuousClock.now
                        for pending in batch {
                            pending.run(db)
                            done += 1
                            // Keep every write transaction short: the rest waits for the next one.
                            if ContinuousClock.now - start > Self.maxTransactionTime { break }
                        }
                        return .commit
                    }
                }
                committed = .success(())
            } catch {
                committed = .failure(error)
            }
            let took = ContinuousClock.now - began
            longest.withLock { $0 = max($0, took) }
            totals.withLock { totals in
                totals.transactions += 1
                totals.writes += done
                totals.busy += took
            }
            if case .success = committed, done < batch.count {
                let rest = batch[done...]
                state.withLock { $0.pending.insert(contentsOf: rest, at: 0) }
            } else {
                done = batch.count  // a failed transaction fails every write of the batch
            }
            for pending in batch.prefix(done) { pending.commit(committed) }
        }
    }
}

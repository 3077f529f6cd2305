import Foundation
import Synchronization

/// How one delivery on a slot ended: the body returned or threw, or the worker gave up on it
/// (hard time limit, shutdown) and the slot's thread was abandoned.
enum RunEnding: Sendable {
    case body(Result<JSONValue, any Error>)
    case abandoned
    case timeLimit
}

/// One running delivery, shared by its slot thread (which runs the body) and the worker's
/// supervisor (leases, time limits, revokes, shutdown). Whichever ends it first decides.
final class SlotRun: Sendable {
    private struct State {
        var ending: RunEnding?
        var leaseLost = false
        var renewedAt: ContinuousClock.Instant
    }

    let job: ClaimedJob
    let context: TaskContext
    let slot: WorkerSlot
    let softLimit: TimeInterval
    let hardLimit: TimeInterval
    let softDeadline: ContinuousClock.Instant
    let hardDeadline: ContinuousClock.Instant
    private let state: Mutex<State>

    init(job: ClaimedJob, context: TaskContext, slot: WorkerSlot, softLimit: TimeInterval, hardLimit: TimeInterval) {
        let now = ContinuousClock.now
        self.job = job
        self.context = context
        self.slot = slot
        self.softLimit = softLimit
        self.hardLimit = hardLimit
        self.softDeadline = now + .seconds(softLimit)
        self.hardDeadline = now + .seconds(hardLimit)
        self.state = Mutex(State(renewedAt: now))
    }

    /// Ends the run unless something else ended it first; returns whether this call decided.
    @discardableResult
    func finish(_ ending: RunEnding) -> Bool {
        state.withLock { state in
            guard state.ending == nil else { return false }
            state.ending = ending
            return true
        }
    }

    var isFinished: Bool { state.withLock { $0.ending != nil } }

    /// Whether the hard time limit ended this run (its body became a runaway).
    var endedByTimeLimit: Bool {
        state.withLock { state in
            if case .timeLimit = state.ending { return true }
            return false
        }
    }

    /// The lease was lost: another delivery may own the job, so this run writes nothing.
    func markLeaseLost() {
        state.withLock { $0.leaseLost = true }
        context.cancel(.leaseLost)
    }

    var leaseLost: Bool { state.withLock { $0.leaseLost } }

    /// Whether the lease is due for renewal (every third of the visibility timeout).
    func renewalDue(every interval: TimeInterval, now: ContinuousClock.Instant) -> Bool {
        state.withLock { now - $0.renewedAt >= .seconds(interval) }
    }

    func renewed(at instant: ContinuousClock.Instant) {
        state.withLock { $0.renewedAt = instant }
    }
}

import Foundation
import Synchronization

/// How one delivery on a slot ended: the body returned or threw, or the slot gave up waiting
/// for it (shutdown, or the hard time limit).
enum RunEnding: Sendable {
    case body(Result<JSONValue, any Error>)
    case abandoned
    case timeLimit(TimeInterval)
}

/// The rendezvous between a running body, its lease keeper and shutdown: whichever ends the
/// run first decides, later calls are ignored.
final class SlotRun: Sendable {
    private struct State {
        var ending: RunEnding?
        var waiter: CheckedContinuation<RunEnding, Never>?
        var leaseLost = false
    }

    let context: TaskContext
    private let state = Mutex(State())

    init(context: TaskContext) {
        self.context = context
    }

    /// Ends the run unless something else ended it first; returns whether this call decided.
    @discardableResult
    func finish(_ ending: RunEnding) -> Bool {
        let (decided, waiter) = state.withLock { state -> (Bool, CheckedContinuation<RunEnding, Never>?) in
            guard state.ending == nil else { return (false, nil) }
            state.ending = ending
            defer { state.waiter = nil }
            return (true, state.waiter)
        }
        waiter?.resume(returning: ending)
        return decided
    }

    func ending() async -> RunEnding {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> RunEnding? in
                if let ending = state.ending { return ending }
                state.waiter = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    /// The lease was lost: another delivery may own the job, so this run writes nothing.
    func markLeaseLost() {
        state.withLock { $0.leaseLost = true }
        context.cancel(.leaseLost)
    }

    var leaseLost: Bool { state.withLock { $0.leaseLost } }
}

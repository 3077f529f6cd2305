import Foundation
import Synchronization

/// Sleeps until a deadline, or until `wake()` (beat learns of a change made in this process; a
/// worker learns that its shutdown started; the webhook relay learns of new events), or until
/// the task is cancelled — without polling.
public final class WakeableSleep: Sendable {
    private struct State {
        var waiter: (id: Int, continuation: CheckedContinuation<Void, Never>)?
        var nextID = 0
        /// A wake that came while nobody slept: the next sleep returns at once.
        var pending = false
    }

    private let state = Mutex(State())

    public init() {}

    /// Returns after `seconds` (never, if infinite), at `wake()`, or when the task is cancelled.
    public func sleep(for seconds: TimeInterval) async {
        guard seconds > 0 else { return }
        let id = state.withLock { state -> Int in
            state.nextID += 1
            return state.nextID
        }
        await withTaskGroup(of: Void.self) { group in
            if seconds.isFinite {
                group.addTask {
                    try? await Task.sleep(for: .seconds(seconds))
                    self.resume(id)
                }
            }
            await withTaskCancellationHandler {
                await withCheckedContinuation { continuation in
                    let resumeNow = state.withLock { state -> Bool in
                        if state.pending || Task.isCancelled {
                            state.pending = false
                            return true
                        }
                        state.waiter = (id, continuation)
                        return false
                    }
                    if resumeNow { continuation.resume() }
                }
            } onCancel: {
                self.resume(id)
            }
            group.cancelAll()
        }
    }

    /// Ends the current sleep, or the next one at once if nobody sleeps.
    public func wake() {
        let continuation = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter else {
                state.pending = true
                return nil
            }
            state.waiter = nil
            return waiter.continuation
        }
        continuation?.resume()
    }

    private func resume(_ id: Int) {
        let continuation = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter, waiter.id == id else { return nil }
            state.waiter = nil
            return waiter.continuation
        }
        continuation?.resume()
    }
}

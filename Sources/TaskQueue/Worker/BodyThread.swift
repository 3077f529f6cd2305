import Foundation
import Synchronization

/// A long-lived thread that runs task bodies one at a time, so blocking bodies never occupy
/// the cooperative pool and no thread is created per job.
final class BodyThread: Sendable {
    private struct State {
        var work: (@Sendable () -> Void)?
        var stopped = false
    }

    private let condition = NSCondition()
    // Guarded by `condition`; a Mutex cannot be waited on.
    private nonisolated(unsafe) var state = State()

    init(name: String) {
        let thread = Thread { [self] in loop() }
        thread.name = name
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// Hands `work` to the thread; it runs after the current body, if any.
    func run(_ work: @escaping @Sendable () -> Void) {
        condition.lock()
        precondition(state.work == nil, "a body thread runs one body at a time")
        state.work = work
        condition.signal()
        condition.unlock()
    }

    /// Lets the thread end after its current body.
    func stop() {
        condition.lock()
        state.stopped = true
        condition.signal()
        condition.unlock()
    }

    private func loop() {
        while true {
            condition.lock()
            while state.work == nil && !state.stopped { condition.wait() }
            if state.work == nil && state.stopped {
                condition.unlock()
                return
            }
            // Take the work before running it: the body's last act wakes the slot, which may
            // hand over the next body before this thread gets here again.
            let work = state.work!
            state.work = nil
            condition.unlock()
            work()
        }
    }
}

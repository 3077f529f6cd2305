import Foundation

/// Wakes idle worker slots when a job is enqueued in the same process, so such a job starts
/// without polling delay. Slots read `generation` before a claim and wait only if nothing
/// rang since, so a ring between an empty claim and the wait is never missed. Slots wait on
/// their own threads, so the wait blocks.
public final class Doorbell: @unchecked Sendable {
    // `generation` is guarded by `condition`.
    private let condition = NSCondition()
    private var current: UInt64 = 0

    public init() {}

    public var generation: UInt64 {
        condition.lock()
        defer { condition.unlock() }
        return current
    }

    /// Wakes every waiting slot.
    public func ring() {
        condition.lock()
        current &+= 1
        condition.broadcast()
        condition.unlock()
    }

    /// Blocks until a ring after `generation`, or `timeout` seconds.
    public func wait(after generation: UInt64, timeout: TimeInterval) {
        let deadline = Date().addingTimeInterval(timeout)
        condition.lock()
        while current == generation, condition.wait(until: deadline) {}
        condition.unlock()
    }
}

import Foundation

/// Wakes idle worker slots when a job is enqueued in the same process, so such a job starts
/// without polling delay. Slots read their group's `generation` before a claim and wait only if
/// nothing rang since, so a ring between an empty claim and the wait is never missed. Slots wait
/// on their own threads, so the wait blocks.
///
/// The slots of one pool share a group. `ring()` wakes every slot (a resume, a shutdown, a
/// notification that may stand for many jobs); `ringOne(queue:)` wakes one idle slot of each pool
/// that serves the queue, for the one job just enqueued there: waking every slot sent them all to
/// claim it, and on PostgreSQL each of those claims is a round trip (8 slots: 4 ms from enqueue
/// to start instead of 2).
public final class Doorbell: @unchecked Sendable {
    /// The slots of one pool.
    public final class Group: @unchecked Sendable {
        let queues: Set<String>
        // `current` is guarded by `condition`.
        private let condition = NSCondition()
        private var current: UInt64 = 0

        init(queues: Set<String>) { self.queues = queues }

        public var generation: UInt64 {
            condition.lock()
            defer { condition.unlock() }
            return current
        }

        fileprivate func ring(all: Bool) {
            condition.lock()
            current &+= 1
            if all { condition.broadcast() } else { condition.signal() }
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

    private let lock = NSLock()
    // Guarded by `lock`.
    private var groups: [Group] = []

    public init() {}

    /// The group of the slots serving `queues` (one per distinct set).
    public func group(serving queues: [String]) -> Group {
        let set = Set(queues)
        lock.lock()
        defer { lock.unlock() }
        if let group = groups.first(where: { $0.queues == set }) { return group }
        let group = Group(queues: set)
        groups.append(group)
        return group
    }

    /// Wakes every waiting slot.
    public func ring() {
        for group in snapshot() { group.ring(all: true) }
    }

    /// Wakes one waiting slot of each pool serving `queue`.
    public func ringOne(queue: String) {
        for group in snapshot() where group.queues.contains(queue) { group.ring(all: false) }
    }

    private func snapshot() -> [Group] {
        lock.lock()
        defer { lock.unlock() }
        return groups
    }
}

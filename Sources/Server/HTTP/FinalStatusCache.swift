import Foundation
import Synchronization
import TaskQueue

/// Encoded status answers of finished tasks. A final state never changes until the result
/// expires, so the hot path of `GET /api/v1/celery/task/{id}` (clients polling) costs no
/// database read. Bounded: the oldest half is dropped when full.
final class FinalStatusCache: Sendable {
    private struct Entry {
        let body: Data
        let expiresAt: Date
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var order: [String] = []
    }

    private let capacity: Int
    private let state = Mutex(State())

    init(capacity: Int = 20_000) {
        self.capacity = capacity
    }

    func body(for id: String, now: Date) -> Data? {
        state.withLock { state in
            guard let entry = state.entries[id] else { return nil }
            return entry.expiresAt > now ? entry.body : nil
        }
    }

    func store(_ body: Data, for id: String, expiresAt: Date) {
        state.withLock { state in
            if state.entries.count >= capacity {
                let dropped = state.order.prefix(capacity / 2)
                for key in dropped { state.entries[key] = nil }
                state.order.removeFirst(dropped.count)
            }
            if state.entries.updateValue(Entry(body: body, expiresAt: expiresAt), forKey: id) == nil {
                state.order.append(id)
            }
        }
    }
}

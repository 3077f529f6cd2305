import Foundation
import TaskQueue
import Testing

/// The two backends that must keep the same contract.
enum Backend: String, CaseIterable, CustomTestStringConvertible {
    case sqlite, memory
    var testDescription: String { rawValue }
}

/// A store on a fresh temporary file (or in memory) with a manual clock.
final class StoreFixture {
    let clock = ManualClock()
    let store: any QueueStore
    let directory: URL?

    init(_ backend: Backend, policy: StorePolicy = StoreFixture.policy) throws {
        switch backend {
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tq-\(UUID().uuidString)")
            self.directory = directory
            store = try SQLiteQueueStore(
                path: directory.appendingPathComponent("queue.sqlite").path, policy: policy, clock: clock)
        case .memory:
            directory = nil
            store = MemoryQueueStore(policy: policy, clock: clock)
        }
    }

    static var policy: StorePolicy {
        var policy = StorePolicy()
        policy.visibilityTimeout = 30
        policy.maxDeliveries = 3
        policy.maxPayloadBytes = 4096
        return policy
    }

    deinit {
        if let directory { try? FileManager.default.removeItem(at: directory) }
    }

    func enqueue(_ name: String = "t", queue: String = "default", priority: Int = 5, runAt: Date? = nil) async throws
        -> String
    {
        try await store.enqueue(NewJob(name: name, queue: queue, priority: priority, runAt: runAt)).id
    }

    func record(_ id: String) async throws -> JobRecord {
        guard case .found(let record) = try await store.job(id: id) else {
            throw QueueError.invalidJob("job \(id) not found")
        }
        return record
    }
}

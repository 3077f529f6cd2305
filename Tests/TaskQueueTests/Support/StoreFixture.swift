import Foundation
import PostgresSupport
import Synchronization
import TaskQueue
import TestSupport
import Testing

/// The backends that must keep the same contract: PostgreSQL too when
/// `IMPORTER_TEST_DATABASE_URL` names a server (`.ci/run` sets it and starts one).
enum Backend: String, CaseIterable, CustomTestStringConvertible {
    case sqlite, memory, postgres
    var testDescription: String { rawValue }

    static var allCases: [Backend] { TestDatabase.url == nil ? [.sqlite, .memory] : [.sqlite, .memory, .postgres] }
    /// The durable ones: what a second process shares.
    static var durable: [Backend] { allCases.filter { $0 != .memory } }
}

/// A store on a fresh temporary file, schema or in memory, with a manual clock.
final class StoreFixture: Sendable {
    let clock = ManualClock()
    let store: any QueueStore
    let backend: Backend
    let policy: StorePolicy
    let directory: URL?
    let pool: PostgresPool?
    private let siblings = Mutex<[PostgresPool]>([])

    init(_ backend: Backend, policy: StorePolicy = StoreFixture.policy) throws {
        self.backend = backend
        self.policy = policy
        switch backend {
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tq-\(UUID().uuidString)")
            self.directory = directory
            pool = nil
            store = try SQLiteQueueStore(
                path: directory.appendingPathComponent("queue.sqlite").path, policy: policy, clock: clock)
        case .memory:
            directory = nil
            pool = nil
            store = MemoryQueueStore(policy: policy, clock: clock)
        case .postgres:
            directory = nil
            let pool = try TestDatabase.freshPool()
            self.pool = pool
            store = try PostgresQueueStore(pool: pool, policy: policy, clock: clock)
        }
    }

    /// Another store on the same data (another process), with the same clock; nil in memory.
    func sibling() throws -> (any QueueStore)? {
        switch backend {
        case .sqlite:
            return try SQLiteQueueStore(path: directory!.appendingPathComponent("queue.sqlite").path, policy: policy, clock: clock)
        case .memory:
            return nil
        case .postgres:
            let pool = try TestDatabase.sibling(of: self.pool!)
            siblings.withLock { $0.append(pool) }
            return try PostgresQueueStore(pool: pool, policy: policy, clock: clock)
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
        for sibling in siblings.withLock({ $0 }) { sibling.close() }
        if let pool { TestDatabase.drop(pool) }
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

@Suite struct TestDatabaseTests {
    /// Where the run requires PostgreSQL (`.ci/run`), its absence fails instead of skipping.
    @Test func postgresIsThereWhenRequired() async throws {
        guard ProcessInfo.processInfo.environment["IMPORTER_TEST_REQUIRE_POSTGRES"] == "1" else { return }
        #expect(Backend.allCases.contains(.postgres), "IMPORTER_TEST_DATABASE_URL is not set (or not a postgres:// URL)")
        let fixture = try StoreFixture(.postgres)
        try await fixture.store.healthCheck()
    }
}

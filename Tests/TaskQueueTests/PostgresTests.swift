import Foundation
import Logging
import PostgresSupport
import TestSupport
import Testing

@testable import TaskQueue

/// What only the PostgreSQL backend has: wake-ups across processes, the server's clock, its URL.
/// Skipped without a test server (`IMPORTER_TEST_DATABASE_URL`).
@Suite struct PostgresTests {
    @Test(.enabled(if: TestDatabase.url != nil))
    func anEnqueueByAnotherProcessRingsThisProcessDoorbell() async throws {
        let fixture = try StoreFixture(.postgres)
        let (wakeups, slots, listening) = try await Self.listen(fixture)
        defer { listening.cancel() }
        let other = try #require(try fixture.sibling())
        let before = slots.generation
        let started = ContinuousClock.now
        _ = try await other.enqueue(NewJob(name: "t", queue: "default"))
        #expect(try await eventually(timeout: 2) { slots.generation > before })
        #expect(ContinuousClock.now - started < .milliseconds(500))
        #expect(wakeups.wakeupsReceived == 1)
        // A delayed job wakes no one: it is not claimable yet.
        _ = try await other.enqueue(NewJob(name: "t", queue: "later", runAt: fixture.clock.now().addingTimeInterval(60)))
        // A burst in one queue: one notification at once, then at most one per 100 ms window,
        // the last at the end of its window (so the last job is not left to the poll).
        let burstStart = ContinuousClock.now
        for _ in 0..<20 { _ = try await other.enqueue(NewJob(name: "t", queue: "burst")) }
        let windows = Int(((ContinuousClock.now - burstStart) / .milliseconds(100)).rounded(.up))
        try await Task.sleep(for: .milliseconds(400))
        #expect(wakeups.wakeupsReceived >= 3)
        #expect(wakeups.wakeupsReceived <= 2 + windows + 1)
    }

    @Test(.enabled(if: TestDatabase.url != nil))
    func releaseAndResumeWakeTheOtherProcesses() async throws {
        let fixture = try StoreFixture(.postgres)
        let (wakeups, _, listening) = try await Self.listen(fixture)
        defer { listening.cancel() }
        let other = try #require(try fixture.sibling())
        try await other.setPaused(queue: "default", paused: true)
        _ = try await other.enqueue(NewJob(name: "t", queue: "default"))
        #expect(try await eventually(timeout: 2) { wakeups.wakeupsReceived == 1 })
        try await other.setPaused(queue: "default", paused: false)
        #expect(try await eventually(timeout: 2) { wakeups.wakeupsReceived == 2 })
        let job = try #require(try other.claim(queues: ["default"], worker: "w"))
        try other.release(job.lease)
        #expect(try await eventually(timeout: 2) { wakeups.wakeupsReceived == 3 })
    }

    /// This process's wake-ups on the fixture's schema, listening (its first ring, at connect,
    /// came); the doorbell group of the slots serving `default`; the task to cancel.
    static func listen(_ fixture: StoreFixture) async throws -> (PostgresWakeups, Doorbell.Group, Task<Void, any Error>) {
        let doorbell = Doorbell()
        let slots = doorbell.group(serving: ["default"])
        let wakeups = PostgresWakeups(pool: try #require(fixture.pool), doorbell: doorbell, logger: Logger(label: "test"))
        let listening = Task { try await wakeups.run() }
        #expect(try await eventually(timeout: 5) { slots.generation > 0 })
        return (wakeups, slots, listening)
    }

    @Test(.enabled(if: TestDatabase.url != nil))
    func theServerClockOffsetIsMeasured() throws {
        let pool = try TestDatabase.freshPool(poolSize: 1)
        defer { TestDatabase.drop(pool) }
        let clock = PostgresServerClock(pool: pool, logger: Logger(label: "test"))
        // The test server runs on this host: the same clock, give or take the round trip.
        let offset = try clock.measure()
        #expect(abs(offset) < 0.05)
        #expect(abs(clock.now().timeIntervalSinceNow - offset) < 0.05)
    }

    @Test func urlOptionsAndMistakes() throws {
        let url = try PostgresURL(parsing: "postgres://u:p@h:5433/db?listen=false&pool_size=3")
        #expect(url == PostgresURL(host: "h", port: 5433, user: "u", password: "p", database: "db", poolSize: 3, listen: false))
        #expect("\(url)" == "postgres://u@h:5433/db?schema=importer")
        for bad in ["postgres://h/db?listen=maybe", "postgres://h/", "http://h/db", "postgres:///db", "postgres://h/a/b"] {
            #expect(throws: PostgresURLError.self) { try PostgresURL(parsing: bad) }
        }
    }
}

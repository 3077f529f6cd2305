import Foundation
import Testing

@testable import TaskQueue

/// The per-minute stats rollup (DESIGN.md §13) on every backend: counted by the transitions
/// themselves, never by a refused (stale) write, and kept `stats_retention`.
@Suite struct TaskStatsTests {
    @Test(arguments: Backend.allCases)
    func outcomesRuntimesAndWaitsAreCountedPerMinuteNameAndQueue(_ backend: Backend) async throws {
        let fixture = try StoreFixture(backend)
        let store = fixture.store
        let error = TaskErrorInfo(type: "E", message: "m")
        for _ in 0..<3 { _ = try await fixture.enqueue("work") }
        let revoked = try await fixture.enqueue("work", queue: "other")
        _ = try await store.revoke(id: revoked)

        // Each job waits 1 s past its due time, then runs 2 s.
        fixture.clock.advance(by: 1)
        let first = try #require(try store.claim(queues: ["default"], worker: "w"))
        fixture.clock.advance(by: 2)
        _ = try store.succeed(first.lease, result: .null, thenClaim: nil, worker: "w")
        let second = try #require(try store.claim(queues: ["default"], worker: "w"))
        fixture.clock.advance(by: 2)
        try store.fail(second.lease, error: error)
        let third = try #require(try store.claim(queues: ["default"], worker: "w"))
        fixture.clock.advance(by: 2)
        try store.retry(third.lease, error: error, at: fixture.clock.now())
        // A stale ack changes nothing, the rollup included.
        #expect(throws: QueueError.self) { _ = try store.succeed(first.lease, result: .null, thenClaim: nil, worker: "w") }

        let minute = TaskStatsRow.Key(at: fixture.clock.now(), name: "", queue: "").minute
        let rows = try await store.taskStats(minutes: (minute - 5)..<(minute + 1))
        var work = TaskStatsRow(key: .init(minute: 0, name: "work", queue: "default"))
        for row in rows where row.key.name == "work" && row.key.queue == "default" { work.merge(row) }
        #expect([work.succeeded, work.failed, work.retried, work.revoked] == [1, 1, 1, 0] as [Int])
        #expect(work.runtime.count == 3)
        #expect(work.runtime.max == 2)
        #expect(work.runtime.sum == 6)
        #expect(work.wait.count == 3)
        #expect(work.wait.max >= 1)
        let other = rows.filter { $0.key.queue == "other" }
        #expect(other.map(\.revoked) == [1])
        #expect(other.map(\.runtime.count) == [0])

        // Summed per point by the store, of one queue or all.
        let window = (minute - 59)..<(minute + 1)
        let all = try await store.taskThroughput(minutes: window, step: 60, name: nil, queue: nil)
        #expect(all == [ThroughputPoint(minute: minute - 59, succeeded: 1, failed: 1, retried: 1, revoked: 1)])
        let others = try await store.taskThroughput(minutes: window, step: 1, name: nil, queue: "other")
        #expect(others.map(\.revoked) == [1])
        #expect(try await store.taskThroughput(minutes: window, step: 60, name: "nothing", queue: nil).isEmpty)

        // Merged per name over the window, with the queues it ran on.
        let byName = try await store.taskStatsByName(minutes: window, name: nil, queue: nil)
        #expect(byName.map(\.stats.key.name) == ["work"])
        #expect(byName.first?.queues == ["default", "other"])
        #expect(byName.first.map { [$0.stats.succeeded, $0.stats.failed, $0.stats.retried, $0.stats.revoked] } == [1, 1, 1, 1] as [Int])
        #expect(byName.first?.stats.runtime == work.runtime)
        #expect(try await store.taskStatsByName(minutes: window, name: nil, queue: "other").first?.stats.runtime.count == 0)
    }

    @Test(arguments: Backend.allCases)
    func rowsOlderThanTheRetentionAreDeletedWithTheExpiredResults(_ backend: Backend) async throws {
        var policy = StoreFixture.policy
        policy.statsRetention = 3600
        let fixture = try StoreFixture(backend, policy: policy)
        let id = try await fixture.enqueue("old")
        _ = try await fixture.store.revoke(id: id)
        let minute = TaskStatsRow.Key(at: fixture.clock.now(), name: "", queue: "").minute
        #expect(try await fixture.store.taskStats(minutes: minute..<(minute + 1)).count == 1)
        fixture.clock.advance(by: 1800)
        _ = try await fixture.store.deleteExpired(limit: 100)
        #expect(try await fixture.store.taskStats(minutes: minute..<(minute + 1)).count == 1)
        fixture.clock.advance(by: 1900)
        _ = try await fixture.store.deleteExpired(limit: 100)
        #expect(try await fixture.store.taskStats(minutes: minute..<(minute + 1)).isEmpty)
    }

    @Test func histogramQuantilesInterpolateWithinTheirBucket() {
        var histogram = DurationHistogram()
        #expect(histogram.quantile(0.5) == nil)
        for _ in 0..<90 { histogram.add(0.004) }
        for _ in 0..<10 { histogram.add(20) }
        // 90 values in (0.0025, 0.005]: the median interpolates within that bucket.
        let median = try! #require(histogram.quantile(0.5))
        #expect(median > 0.0025 && median <= 0.005)
        // p95 falls in (10, 30] but never above the largest value seen.
        let p95 = try! #require(histogram.quantile(0.95))
        #expect(p95 > 10 && p95 <= 20)
        #expect(histogram.quantile(1) == 20)
        #expect(histogram.counts[2] == 90)
        #expect(histogram.counts[13] == 10)
        #expect(DurationHistogram(counts: histogram.counts, sum: histogram.sum, max: histogram.max) == histogram)
    }
}

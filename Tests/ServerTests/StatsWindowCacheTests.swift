import Foundation
import Testing

@testable import Server
@testable import TaskQueue

/// The stats routes' cache of finished minutes answers exactly what the store answers, as the
/// minutes go by and counts arrive in the current one.
@Suite struct StatsWindowCacheTests {
    @Test func answersAsTheStoreDoesWhileMinutesPass() async throws {
        let clock = ManualClock()
        let store = MemoryQueueStore(clock: clock)
        let cache = StatsWindowCache()
        func revokeOne(_ name: String, queue: String) async throws {
            let id = try await store.enqueue(NewJob(name: name, queue: queue)).id
            _ = try await store.revoke(id: id)
        }
        func check() async throws {
            let minute = TaskStatsRow.Key(at: clock.now(), name: "", queue: "").minute
            for (count, step) in [(60, 1), (1440, 10)] {
                let window = ((minute - count) / step + 1) * step..<(minute + 1)
                for (name, queue) in [(nil, nil), ("a", nil), (nil, "q2")] as [(String?, String?)] {
                    let cached = try await cache.throughput(store, minutes: window, step: step, name: name, queue: queue)
                    let direct = try await store.taskThroughput(minutes: window, step: step, name: name, queue: queue)
                    #expect(cached.sorted { $0.minute < $1.minute } == direct)
                    let names = try await cache.byName(store, minutes: window, name: name, queue: queue)
                    let directNames = try await store.taskStatsByName(minutes: window, name: name, queue: queue)
                    #expect(names.sorted { $0.stats.key.name < $1.stats.key.name }.map(\.stats.revoked) == directNames.map(\.stats.revoked))
                    #expect(names.sorted { $0.stats.key.name < $1.stats.key.name }.map(\.queues) == directNames.map(\.queues))
                }
            }
        }
        try await revokeOne("a", queue: "q1")
        try await check()
        // More in the current minute: the cached part stays, the recent part is read again.
        try await revokeOne("a", queue: "q2")
        try await revokeOne("b", queue: "q2")
        try await check()
        // Minutes pass: those counts move into the cached part.
        for _ in 0..<4 {
            clock.advance(by: 61)
            try await revokeOne("b", queue: "q1")
            try await check()
        }
    }

    @Test func theLastTwoMinutesAreAlwaysRead() {
        #expect(StatsWindowCache.split(10..<70) == (10..<68, 68..<70))
        #expect(StatsWindowCache.split(10..<11) == (10..<10, 10..<11))
    }
}

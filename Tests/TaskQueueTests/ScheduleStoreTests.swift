import Foundation
import Testing

@testable import TaskQueue

/// Beat's storage contract on both backends, with a manual clock (DESIGN.md §4).
@Suite struct ScheduleStoreTests {
    static func every(_ name: String, _ seconds: TimeInterval, task: String = "t", enabled: Bool = true) -> ScheduleDefinition {
        ScheduleDefinition(name: name, task: task, args: [1], queue: "beat", priority: 7, spec: .every(seconds), enabled: enabled)
    }

    @Test(arguments: Backend.allCases)
    func aDueRunIsEnqueuedOnceAndTheScheduleMovesOn(backend: Backend) async throws {
        let fixture = try StoreFixture(backend)
        try await fixture.store.syncSchedules([Self.every("tick", 60)])
        // `every: N` first fires N seconds after the schedule is created.
        let start = fixture.clock.now()
        #expect(try await fixture.store.nextScheduleDue() == start.addingTimeInterval(60))
        #expect(try await fixture.store.fireDueSchedules().isEmpty)
        fixture.clock.advance(by: 60)
        let runs = try await fixture.store.fireDueSchedules()
        #expect(runs.count == 1)
        #expect(try await fixture.store.fireDueSchedules().isEmpty)
        let job = try await fixture.record(try #require(runs.first).taskID)
        #expect(job.name == "t")
        #expect(job.queue == "beat")
        #expect(job.priority == 7)
        #expect(job.args == [1])
        let record = try #require(try await fixture.store.schedules().first)
        #expect(record.lastTaskID == job.id)
        #expect(record.nextRun == start.addingTimeInterval(120))
        #expect(record.spec == "every 60s")
    }

    @Test(arguments: Backend.allCases)
    func tenMissedTicksCoalesceIntoOneRun(backend: Backend) async throws {
        let fixture = try StoreFixture(backend)
        try await fixture.store.syncSchedules([Self.every("tick", 60)])
        let start = fixture.clock.now()
        fixture.clock.advance(by: 60 * 10 + 30)
        #expect(try await fixture.store.fireDueSchedules().count == 1)
        #expect(try await fixture.store.fireDueSchedules().isEmpty)
        #expect(try await fixture.store.nextScheduleDue() == start.addingTimeInterval(60 * 11))
        #expect(try await fixture.store.countJobs(JobFilter()) == 1)
    }

    @Test(arguments: Backend.allCases)
    func apiOverridesLastUntilTheConfigurationChangesTheSchedule(backend: Backend) async throws {
        let fixture = try StoreFixture(backend)
        try await fixture.store.syncSchedules([Self.every("a", 60), Self.every("b", 60)])
        #expect(try await fixture.store.setScheduleEnabled(name: "a", enabled: false)?.enabled == false)
        #expect(try await fixture.store.setScheduleEnabled(name: "nope", enabled: false) == nil)
        // A restart with the same configuration keeps the override…
        try await fixture.store.syncSchedules([Self.every("a", 60), Self.every("b", 60)])
        fixture.clock.advance(by: 61)
        #expect(try await fixture.store.fireDueSchedules().map(\.schedule) == ["b"])
        // …a changed definition drops it (the configuration wins again)…
        try await fixture.store.syncSchedules([Self.every("a", 30), Self.every("b", 60)])
        #expect(try await fixture.store.schedules().first { $0.name == "a" }?.enabled == true)
        // …and a schedule gone from the configuration is disabled, not deleted.
        try await fixture.store.syncSchedules([Self.every("a", 30)])
        let b = try #require(try await fixture.store.schedules().first { $0.name == "b" })
        #expect(!b.enabled)
        #expect(!b.configured)
        fixture.clock.advance(by: 3600)
        #expect(try await fixture.store.fireDueSchedules().map(\.schedule) == ["a"])
        // A schedule disabled in the configuration can be enabled through the API.
        try await fixture.store.syncSchedules([Self.every("a", 30), Self.every("c", 30, enabled: false)])
        #expect(try await fixture.store.setScheduleEnabled(name: "c", enabled: true)?.enabled == true)
    }

    @Test(arguments: Backend.allCases)
    func runNowEnqueuesWithoutChangingTheTiming(backend: Backend) async throws {
        let fixture = try StoreFixture(backend)
        try await fixture.store.syncSchedules([Self.every("a", 60)])
        let next = try await fixture.store.nextScheduleDue()
        let run = try #require(try await fixture.store.runScheduleNow(name: "a"))
        #expect(try await fixture.record(run.taskID).state == .pending)
        #expect(try await fixture.store.nextScheduleDue() == next)
        #expect(try await fixture.store.schedules().first?.lastTaskID == run.taskID)
        #expect(try await fixture.store.runScheduleNow(name: "nope") == nil)
    }

    /// Two processes share the data (a file, or a PostgreSQL schema): two stores, each with its
    /// own connections, both firing at every one of 50 due ticks, at the same time.
    @Test(arguments: Backend.durable)
    func twoStoresRacingOverFiftyDueTicksEnqueueFiftyJobs(backend: Backend) async throws {
        let fixture = try StoreFixture(backend)
        let clock = fixture.clock
        let first = fixture.store
        let second = try #require(try fixture.sibling())
        try await first.syncSchedules([Self.every("race", 10), Self.every("other", 20)])
        try await second.syncSchedules([Self.every("race", 10), Self.every("other", 20)])
        var fired = 0
        var dues: Set<Date> = []
        for _ in 0..<50 {
            clock.advance(by: 10)
            async let a = first.fireDueSchedules()
            async let b = second.fireDueSchedules()
            let (runsA, runsB) = try await (a, b)
            let races = (runsA + runsB).filter { $0.schedule == "race" }
            fired += races.count
            dues.formUnion(races.map(\.due))
        }
        #expect(fired == 50)
        #expect(dues.count == 50)
        let jobs = try await first.jobs(JobFilter(limit: 1000))
        #expect(jobs.count == 75)
    }
}

import Foundation
import Testing

@testable import TaskQueue

/// The worker registry's contract on every backend: heartbeat rows, control requests, and
/// forgetting the rows of processes that died without removing themselves.
@Suite struct WorkerRegistryStoreTests {
    private func info(_ name: String, at date: Date) -> WorkerInfo {
        WorkerInfo(name: name, pid: 1, host: "h", startedAt: date, lastSeen: date, pools: [], registered: [])
    }

    @Test(arguments: Backend.allCases)
    func quietIsClearedButStopIsFinal(_ backend: Backend) async throws {
        let fixture = try StoreFixture(backend)
        let store = fixture.store
        try await store.heartbeat(info("a", at: fixture.clock.now()))
        try await store.heartbeat(info("b", at: fixture.clock.now()))
        #expect(try await store.workerControls().isEmpty)

        #expect(try await store.setControl(.quiet, worker: "a") == .quiet)
        #expect(try await store.workerControls() == ["a": .quiet])
        #expect(try await store.setControl(nil, worker: "a") == nil)
        #expect(try await store.workerControls().isEmpty)

        try await store.setControl(.quiet, worker: "b")
        #expect(try await store.setControl(.stop, worker: "b") == .stop)
        #expect(try await store.setControl(.quiet, worker: "b") == .stop)
        #expect(try await store.setControl(nil, worker: "b") == .stop)
        #expect(try await store.workerControls() == ["b": .stop])

        try await store.removeWorker(name: "b")
        #expect(try await store.workerControls().isEmpty)
    }

    @Test(arguments: Backend.allCases)
    func aHeartbeatForgetsWorkersSilentForADayWithTheirRequests(_ backend: Backend) async throws {
        let fixture = try StoreFixture(backend)
        let store = fixture.store
        try await store.heartbeat(info("dead", at: fixture.clock.now()))
        try await store.setControl(.quiet, worker: "dead")
        fixture.clock.advance(by: WorkerInfo.forgottenAfter - 1)
        try await store.heartbeat(info("alive", at: fixture.clock.now()))
        #expect(try await store.workers(seenWithin: .infinity).map(\.name) == ["alive", "dead"])
        #expect(try await store.workerControls() == ["dead": .quiet])

        fixture.clock.advance(by: 2)
        try await store.heartbeat(info("alive", at: fixture.clock.now()))
        #expect(try await store.workers(seenWithin: .infinity).map(\.name) == ["alive"])
        #expect(try await store.workerControls().isEmpty)
    }
}

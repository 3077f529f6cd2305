import Foundation
import GRDB
import Logging
import Synchronization
import TestSupport
import Testing

@testable import TaskQueue

/// Soft and hard time limits, runaway bodies, and revokes seen by the worker.
@Suite(.serialized) struct TimeLimitTests {
    typealias Harness = WorkerTests.Harness

    @Test(arguments: Backend.durable)
    func softLimitHandledLetsTheBodyFinishNormally(backend: Backend) async throws {
        let task = TaskDefinition(name: "tidy", softTimeLimit: 0.2) { context in
            do {
                try context.sleep(10)
                return "slept"
            } catch is SoftTimeLimitExceeded {
                // Cleaning up may call the context again without a second SoftTimeLimitExceeded.
                try context.checkCancellation()
                return "cleaned up"
            }
        }
        let harness = try Harness(backend, extra: [task])
        try await harness.running {
            let id = try await harness.client.submit(TaskSubmission(name: "tidy")).id
            #expect(try await eventually { try await harness.state(id)?.state == .success })
            #expect(try await harness.state(id)?.result == "cleaned up")
        }
    }

    @Test(arguments: Backend.durable)
    func softLimitUnhandledFailsTheJob(backend: Backend) async throws {
        let task = TaskDefinition(name: "slow", softTimeLimit: 0.2) { context in
            try context.sleep(10)
            return nil
        }
        let harness = try Harness(backend, retry: RetryOptions(maxRetries: 3, delay: 0), extra: [task])
        try await harness.running {
            let id = try await harness.client.submit(TaskSubmission(name: "slow")).id
            #expect(try await eventually { try await harness.state(id)?.state == .failure })
            #expect(try await harness.state(id)?.error?.type == "SoftTimeLimitExceeded")
            #expect(try await harness.state(id)?.attempts.count == 1)
        }
    }

    @Test(arguments: Backend.durable)
    func hardLimitFencesTheJobAndReplacesTheSlotOfABodyThatIgnoresCancellation(backend: Backend) async throws {
        // Given a one-slot pool and a body that ignores cancellation, then tries to write
        let lateWrite = Mutex<(any Error)?>(nil)
        let task = TaskDefinition(name: "runaway", timeLimit: 0.3) { context in
            let deadline = Date().addingTimeInterval(3)
            while Date() < deadline {}
            do { try context.progress("still here") } catch { lateWrite.withLock { $0 = error } }
            return "too late"
        }
        let harness = try Harness(backend, concurrency: 1, extra: [task])
        try await harness.running {
            let start = Date()
            let id = try await harness.client.submit(TaskSubmission(name: "runaway")).id
            let next = try await harness.client.submit(TaskSubmission(name: TestTasks.noop)).id
            // Then the job fails at its limit and the slot runs the next job while the body spins
            #expect(try await eventually { try await harness.state(id)?.state == .failure })
            #expect(try await harness.state(id)?.error?.type == "TimeLimitExceeded")
            #expect(try await eventually { try await harness.state(next)?.state == .success })
            // Without a new thread the next job would wait for the 3 s body: 0.3 s limit + < 1 s
            // to replace the slot, with slack for a loaded machine.
            #expect(Date().timeIntervalSince(start) < 2.2)
            #expect(harness.worker.runawayCount == 1)
            // And the runaway's late write is refused; it is no longer counted once it ends
            #expect(await eventually(timeout: 8) { lateWrite.withLock { $0 } != nil })
            #expect(lateWrite.withLock { $0 as? QueueError } == QueueError.staleLease(id))
            #expect(await eventually(timeout: 8) { harness.worker.runawayCount == 0 })
            #expect(try await harness.state(id)?.result == nil)
        }
    }

    @Test(arguments: Backend.durable)
    func hardLimitInterruptsTheBodysSQLiteStatement(backend: Backend) async throws {
        let outcome = Mutex<String?>(nil)
        let task = TaskDefinition(name: "long-sql", timeLimit: 0.3) { context in
            let database = try DatabaseQueue()
            context.onInterrupt { database.interrupt() }
            do {
                _ = try database.read { db in
                    try Int.fetchOne(
                        db,
                        sql: "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT COUNT(*) FROM c")
                }
                outcome.withLock { $0 = "finished" }
            } catch let error as DatabaseError {
                outcome.withLock { $0 = "\(error.resultCode)" }
            }
            return nil
        }
        let harness = try Harness(backend, extra: [task])
        try await harness.running {
            let id = try await harness.client.submit(TaskSubmission(name: "long-sql")).id
            #expect(try await eventually { try await harness.state(id)?.state == .failure })
            #expect(await eventually(timeout: 2) { outcome.withLock { $0 } != nil })
            #expect(outcome.withLock { $0 } == "\(ResultCode.SQLITE_INTERRUPT)")
        }
    }

    @Test(arguments: Backend.durable)
    func tooManyRunawaysMakeTheWorkerExitWithAnError(backend: Backend) async throws {
        let task = TaskDefinition(name: "spin-forever", timeLimit: 0.2) { _ in
            let deadline = Date().addingTimeInterval(3)
            while Date() < deadline {}
            return nil
        }
        let harness = try Harness(backend, concurrency: 2, maxRunaways: 1, extra: [task])
        let running = Task { try await harness.worker.run() }
        _ = try await harness.client.submit(TaskSubmission(name: "spin-forever"))
        _ = try await harness.client.submit(TaskSubmission(name: "spin-forever"))
        await #expect(throws: WorkerError.tooManyRunaways(count: 2, limit: 1)) { try await running.value }
    }

    @Test(arguments: Backend.durable)
    func revokeOfARunningJobIsSeenWithinASecond(backend: Backend) async throws {
        let harness = try Harness(backend, visibilityTimeout: 30)
        try await harness.running {
            let id = try await harness.client.submit(TaskSubmission(name: TestTasks.sleep, args: [30])).id
            #expect(try await eventually { try await harness.state(id)?.state == .started })
            let revokedAt = Date()
            _ = try await harness.store.revoke(id: id)
            #expect(try await eventually { try await harness.state(id)?.state == .revoked })
            #expect(Date().timeIntervalSince(revokedAt) < 1)
        }
    }

    /// A body blocked outside Swift concurrency (an event loop's future, a socket) registers
    /// how to unblock it; a revoke runs that at once, and a blocked call started after the
    /// revoke is unblocked before it waits.
    @Test(arguments: Backend.durable)
    func aRevokeUnblocksABlockingCall(backend: Backend) async throws {
        let stops = Mutex(0)
        let task = TaskDefinition(name: "blocked") { context in
            for _ in 0..<2 {
                let released = DispatchSemaphore(value: 0)
                context.blocking(
                    { _ = released.wait(timeout: .now() + 30) },
                    onStop: {
                        stops.withLock { $0 += 1 }
                        released.signal()
                    })
            }
            return "unblocked"
        }
        let harness = try Harness(backend, visibilityTimeout: 30, extra: [task])
        try await harness.running {
            let id = try await harness.client.submit(TaskSubmission(name: "blocked")).id
            #expect(try await eventually { try await harness.state(id)?.state == .started })
            let revokedAt = Date()
            _ = try await harness.store.revoke(id: id)
            #expect(try await eventually { try await harness.state(id)?.state == .revoked })
            #expect(Date().timeIntervalSince(revokedAt) < 1)
            #expect(stops.withLock { $0 } == 2)
        }
    }
}

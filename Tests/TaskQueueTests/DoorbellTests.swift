import Foundation
import Synchronization
import TestSupport
import Testing

@testable import TaskQueue

/// The doorbell wakes one idle slot per pool for an enqueued job, every slot for a ring.
@Suite struct DoorbellTests {
    @Test func ringOneWakesOneSlotOfEachPoolServingTheQueueAndRingWakesAll() async throws {
        let doorbell = Doorbell()
        let defaults = doorbell.group(serving: ["default"])
        let imports = doorbell.group(serving: ["imports"])
        #expect(doorbell.group(serving: ["default"]) === defaults)
        let woken = Mutex<[String]>([])
        let waiting = Mutex(0)
        func waiter(_ group: Doorbell.Group, _ name: String) {
            let generation = group.generation
            Thread {
                waiting.withLock { $0 += 1 }
                group.wait(after: generation, timeout: 5)
                woken.withLock { $0.append(name) }
            }.start()
        }
        for _ in 0..<3 { waiter(defaults, "default") }
        waiter(imports, "imports")
        #expect(try await eventually(timeout: 2) { waiting.withLock { $0 } == 4 })
        try await Task.sleep(for: .milliseconds(100))
        doorbell.ringOne(queue: "default")
        #expect(try await eventually(timeout: 2) { woken.withLock { $0 } == ["default"] })
        try await Task.sleep(for: .milliseconds(200))
        #expect(woken.withLock { $0 } == ["default"])
        doorbell.ring()
        #expect(try await eventually(timeout: 2) { woken.withLock { $0.count } == 4 })
        #expect(woken.withLock { $0.sorted() } == ["default", "default", "default", "imports"])
    }

    @Test func aRingBeforeTheWaitIsNotMissed() {
        let doorbell = Doorbell()
        let group = doorbell.group(serving: ["default"])
        let generation = group.generation
        doorbell.ringOne(queue: "default")
        let start = Date()
        group.wait(after: generation, timeout: 5)
        #expect(Date().timeIntervalSince(start) < 1)
    }
}

import Foundation
import Synchronization
import Testing

@testable import TaskQueue

@Suite struct BodyThreadTests {
    /// Each body's last act hands over the next body, as a slot does when its job ends: the
    /// thread must accept it even though the previous closure has not returned yet.
    @Test func nextBodyMayBeHandedOverFromTheEndOfThePreviousOne() async {
        let thread = BodyThread(name: "test")
        defer { thread.stop() }
        let count = Mutex(0)
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            @Sendable func next() {
                thread.run {
                    let value = count.withLock { value -> Int in
                        value += 1
                        return value
                    }
                    if value == 1000 { done.resume() } else { next() }
                }
            }
            next()
        }
        #expect(count.withLock { $0 } == 1000)
    }
}

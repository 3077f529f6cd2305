import Dispatch
import SQLiteSupport
import Synchronization

/// Runs an empty group transaction shortly after stats were held back, so that they reach the
/// table even when no other write follows (its `willCommit` writes them).
final class StatsFlushTimer: Sendable {
    private let writer = Mutex<GroupCommitWriter?>(nil)
    /// Whether stats are held back in memory (readers of this process write them first).
    let pending = Atomic<Bool>(false)

    init() {}

    func attach(_ writer: GroupCommitWriter) {
        self.writer.withLock { $0 = writer }
    }

    func schedule(after delay: Duration) {
        guard let writer = writer.withLock({ $0 }) else { return }
        let seconds = Double(delay.components.seconds) + Double(delay.components.attoseconds) / 1e18
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds + 0.01) {
            _ = try? writer.writeSync { _ in }
        }
    }
}

import Foundation

/// The merge's output, made on a thread of its own: it merges the runs and copies each key's
/// record, with a new id, into chunks while the import's thread writes the chunk before into
/// the catalogue. The import then keeps both cores busy in its longest stage (issue 23).
///
/// The caller takes chunks with `next()` in key order and gives each back with `recycle(_:)`
/// once written; `stop()` (at the end, or on any failure) waits for the thread to exit, after
/// which the merger and its scratch file are the caller's again. Keys up to `resumeKey` (a
/// resumed import's checkpoint) are skipped.
final class MergePipeline: @unchecked Sendable {
    /// Chunks in flight: one being written, one ready, one being filled.
    static let chunks = 3

    // Only the producer thread touches these once `start()` has run.
    private let merger: RunMerger
    private let resumeKey: [UInt8]?
    private var skipping: Bool
    /// A merged record that did not fit in the last chunk: the next chunk's first.
    private var pending: RunMerger.Merged?

    // Shared: guarded by `condition`.
    private let condition = NSCondition()
    private var ready: [MergedChunk] = []
    private var spare: [MergedChunk]
    private var ended = false
    private var failure: (any Error)?
    private var stopping = false
    private var running = false
    private let exited = DispatchSemaphore(value: 0)

    init(merger: RunMerger, after resumeKey: [UInt8]?, makesIDs: Bool) throws {
        self.merger = merger
        self.resumeKey = resumeKey
        self.skipping = resumeKey != nil
        self.spare = try (0..<Self.chunks).map { _ in try MergedChunk(makesIDs: makesIDs) }
    }

    func start() {
        condition.withLock { running = true }
        let thread = Thread { [self] in
            produce()
            exited.signal()
        }
        thread.name = "importer.merge"
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// The next chunk in key order; nil once the merge has ended. Throws what stopped the merge
    /// (a scratch file that cannot be read) after the chunks made before it.
    func next() throws -> MergedChunk? {
        condition.lock()
        defer { condition.unlock() }
        while ready.isEmpty && !ended && failure == nil { condition.wait() }
        if !ready.isEmpty { return ready.removeFirst() }
        if let failure { throw failure }
        return nil
    }

    /// Gives a written chunk back for the merge to fill again.
    func recycle(_ chunk: MergedChunk) {
        condition.withLock {
            spare.append(chunk)
            condition.signal()
        }
    }

    /// Stops the merge (if it still runs) and waits for its thread to exit.
    func stop() {
        let wasRunning = condition.withLock {
            stopping = true
            condition.broadcast()
            defer { running = false }
            return running
        }
        if wasRunning { exited.wait() }
    }

    // MARK: The producer thread

    private func produce() {
        while let chunk = takeSpare() {
            do {
                try chunk.reset()
                let more = try fill(chunk)
                condition.withLock {
                    if !chunk.isEmpty { ready.append(chunk) } else { spare.append(chunk) }
                    ended = !more
                    condition.broadcast()
                }
                if !more { return }
            } catch {
                condition.withLock {
                    failure = error
                    condition.broadcast()
                }
                return
            }
        }
    }

    /// A chunk to fill: nil once stopped.
    private func takeSpare() -> MergedChunk? {
        condition.lock()
        defer { condition.unlock() }
        while spare.isEmpty && !stopping { condition.wait() }
        return stopping ? nil : spare.removeLast()
    }

    /// Fills `chunk`; returns whether the merge has more.
    private func fill(_ chunk: MergedChunk) throws -> Bool {
        while true {
            guard let merged = try pending ?? nextAfterResumeKey() else { return false }
            pending = nil
            guard try chunk.append(merged.record, occurrences: merged.occurrences) else {
                // Still valid: the merger has not moved on.
                pending = merged
                return true
            }
        }
    }

    private func nextAfterResumeKey() throws -> RunMerger.Merged? {
        while let merged = try merger.next() {
            guard skipping, let resumeKey else { return merged }
            if resumeKey.withUnsafeBytes({ RunRecord.compareKeys(merged.record.key, $0) }) > 0 {
                skipping = false
                return merged
            }
        }
        return nil
    }
}

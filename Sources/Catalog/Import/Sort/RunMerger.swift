import Foundation

/// The second half of the external sort: merges the sorted runs into one stream in key order
/// with one record per key — the last row of the file (a later run holds later rows), standing
/// for all the key's rows. Memory: one buffer per run, together about `memoryLimit`.
final class RunMerger {
    /// A record in the stream: valid until the next call to `next()`.
    struct Merged {
        var record: RunRecord
        /// Rows of the file with this key.
        var occurrences: Int
    }

    private var readers: [RunReader]
    /// Reader indices ordered as a binary min-heap by (key, reader index).
    private var heap: [Int] = []
    /// Readers whose current record was part of the last answer: advanced on the next call.
    private var consumed: [Int] = []

    init(scratch: ScratchFile, runs: [RunSorter.Run], memoryLimit: Int) throws {
        let bufferSize = max(64 << 10, memoryLimit / max(1, runs.count))
        readers = try runs.map { try RunReader(scratch: scratch, run: $0, bufferSize: bufferSize) }
        for index in readers.indices where readers[index].current != nil {
            push(index)
        }
    }

    func next() throws -> Merged? {
        for index in consumed {
            if try readers[index].advance() { push(index) }
        }
        consumed.removeAll(keepingCapacity: true)
        guard let first = pop() else { return nil }
        consumed.append(first)
        var winner = first
        let key = readers[first].current!.key
        while let top = heap.first, RunRecord.compareKeys(readers[top].current!.key, key) == 0 {
            _ = pop()
            consumed.append(top)
            winner = max(winner, top)
        }
        let occurrences = consumed.reduce(0) { $0 + readers[$1].current!.occurrences }
        return Merged(record: readers[winner].current!, occurrences: occurrences)
    }

    // MARK: Heap

    private func less(_ left: Int, _ right: Int) -> Bool {
        let order = RunRecord.compareKeys(readers[left].current!.key, readers[right].current!.key)
        return order != 0 ? order < 0 : left < right
    }

    private func push(_ reader: Int) {
        heap.append(reader)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard less(heap[child], heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private func pop() -> Int? {
        guard let top = heap.first else { return nil }
        let last = heap.removeLast()
        guard !heap.isEmpty else { return top }
        heap[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < heap.count && less(heap[left], heap[smallest]) { smallest = left }
            if right < heap.count && less(heap[right], heap[smallest]) { smallest = right }
            if smallest == parent { break }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
        return top
    }
}

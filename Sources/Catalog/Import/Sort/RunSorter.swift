import Dispatch
import Foundation
import Synchronization

/// The first half of an external sort: valid rows collect in a bounded in-memory arena; when it
/// is full they are sorted by key (ties in file order), reduced to each key's last row with the
/// number of rows it stands for, and appended to the scratch file as one sorted run.
///
/// Two arenas of half the memory each: while the reader fills one, a thread of the sorter's own
/// sorts and writes the other, so the read uses both cores (issue 23). Runs are written in the
/// order the arenas filled: a later run holds later rows.
final class RunSorter: @unchecked Sendable {
    /// Where a sorted run lies in the scratch file.
    struct Run {
        var offset: Int64
        var length: Int64
    }

    /// Rows waiting to be sorted, as records back to back.
    private final class Arena: @unchecked Sendable {
        let memory: MappedBuffer
        var used = 0
        var starts: [Int] = []

        init(capacity: Int) throws { memory = try MappedBuffer(capacity: capacity) }
    }

    private let scratch: ScratchFile
    private let arenaCapacity: Int
    /// The arena the reader fills (nil until the next row).
    private var filling: Arena?
    /// Arenas free for the reader, and how many exist: at most two (one filling, one spilling).
    private let arenas = NSCondition()
    private var spare: [Arena] = []
    private var made = 0
    /// Sorts and writes the full arenas, one at a time, in order.
    private let spills = DispatchQueue(label: "importer.sort")
    /// What stopped a spill (a full disk): thrown to the reader at its next row.
    private let failure = Mutex<(any Error)?>(nil)
    /// Written by the spill queue; read once `finish()` has waited for it.
    private var written: [Run] = []

    init(scratch: ScratchFile, memoryLimit: Int) {
        self.scratch = scratch
        self.arenaCapacity = max(1, memoryLimit / 2)
    }

    /// The sorted runs, in file order (after `finish()`).
    var runs: [Run] { spills.sync { written } }

    /// Adds a valid row, handing the full arena to the spill queue first when it would not fit.
    /// Returns whether it did.
    @discardableResult
    func add(_ row: RowFields) throws -> Bool {
        let size = RunRecord.size(of: row)
        var spilled = false
        if let arena = filling, arena.used + size > arena.memory.capacity {
            try spill()
            spilled = true
        }
        if size > arenaCapacity {
            // A row larger than an arena: a run of its own, written after the runs before it.
            try spill()
            try writeAlone(row, size: size)
            return true
        }
        let arena = try filling ?? takeArena()
        filling = arena
        RunRecord.write(row, occurrences: 1, to: arena.memory.base + arena.used)
        arena.starts.append(arena.used)
        arena.used += size
        return spilled
    }

    /// Spills what is left, waits for every run to be written, and gives the arenas' memory
    /// back: the merge needs its own.
    func finish() throws {
        try spill()
        spills.sync {}
        try throwFailure()
        arenas.withLock {
            spare.removeAll()
            made = 0
        }
    }

    /// Hands the filling arena (if it holds rows) to the spill queue.
    private func spill() throws {
        try throwFailure()
        guard let arena = filling else { return }
        filling = nil
        spills.async { [self] in
            if failure.withLock({ $0 == nil }) {
                do { try sortAndWrite(arena) } catch { failure.withLock { $0 = error } }
            }
            arena.used = 0
            arena.starts.removeAll(keepingCapacity: true)
            arenas.withLock {
                spare.append(arena)
                arenas.signal()
            }
        }
    }

    /// A free arena, else a new one while fewer than two exist, else the one being spilled
    /// once it is written.
    private func takeArena() throws -> Arena {
        let reused: Arena? = arenas.withLock {
            while spare.isEmpty && made >= 2 { arenas.wait() }
            if let arena = spare.popLast() { return arena }
            made += 1
            return nil
        }
        if let reused { return reused }
        do {
            return try Arena(capacity: arenaCapacity)
        } catch {
            arenas.withLock { made -= 1 }
            throw error
        }
    }

    private func writeAlone(_ row: RowFields, size: Int) throws {
        let arena = try Arena(capacity: size)
        RunRecord.write(row, occurrences: 1, to: arena.memory.base)
        arena.starts = [0]
        arena.used = size
        try spills.sync { try sortAndWrite(arena) }
    }

    private func throwFailure() throws {
        if let error = failure.withLock({ $0 }) { throw error }
    }

    // MARK: On the spill queue

    /// Sorts the arena's rows by key (ties in file order) and writes them as one run.
    private func sortAndWrite(_ arena: Arena) throws {
        let base = UnsafeRawPointer(arena.memory.base)
        arena.starts.sort { left, right in
            let order = RunRecord.compareKeys(RunRecord(base: base + left).key, RunRecord(base: base + right).key)
            return order != 0 ? order < 0 : left < right
        }
        try writeRun(arena.starts, base: arena.memory.base)
    }

    /// Writes each key's last record (with the key's row count) in key order, in 1 MiB writes.
    private func writeRun(_ starts: [Int], base: UnsafeMutableRawPointer) throws {
        let output = try MappedBuffer(capacity: 1 << 20)
        var pending = 0
        func flush() throws {
            try scratch.append(UnsafeRawBufferPointer(start: output.base, count: pending))
            pending = 0
        }
        let start = scratch.size
        var index = 0
        while index < starts.count {
            var last = index
            while last + 1 < starts.count,
                RunRecord.compareKeys(RunRecord(base: base + starts[index]).key, RunRecord(base: base + starts[last + 1]).key) == 0
            {
                last += 1
            }
            let winner = starts[last]
            RunRecord.setOccurrences(last - index + 1, at: winner, in: base)
            let record = RunRecord(base: base + winner)
            let length = record.totalLength
            if pending + length > output.capacity { try flush() }
            if length > output.capacity {
                try scratch.append(UnsafeRawBufferPointer(start: record.base, count: length))
            } else {
                (output.base + pending).copyMemory(from: record.base, byteCount: length)
                pending += length
            }
            index = last + 1
        }
        try flush()
        written.append(Run(offset: start, length: scratch.size - start))
    }
}

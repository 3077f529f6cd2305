import Foundation

/// The first half of an external sort: valid rows collect in a bounded in-memory arena; when it
/// is full they are sorted by key (ties in file order), reduced to each key's last row with the
/// number of rows it stands for, and appended to the scratch file as one sorted run.
final class RunSorter {
    /// Where a sorted run lies in the scratch file.
    struct Run {
        var offset: Int64
        var length: Int64
    }

    private let scratch: ScratchFile
    private let memoryLimit: Int
    /// Mapped at the first row; a row larger than the whole arena gets an arena of its own.
    private var arena: MappedBuffer?
    private var used = 0
    private var starts: [Int] = []
    private(set) var runs: [Run] = []

    init(scratch: ScratchFile, memoryLimit: Int) {
        self.scratch = scratch
        self.memoryLimit = memoryLimit
    }

    /// Adds a valid row, spilling a run first when it would not fit. Returns whether it spilled.
    @discardableResult
    func add(_ row: RowFields) throws -> Bool {
        let size = RunRecord.size(of: row)
        let spilled = used + size > (arena?.capacity ?? memoryLimit) && !starts.isEmpty
        if spilled { try spill() }
        if arena == nil || size > arena!.capacity {
            arena = try MappedBuffer(capacity: max(memoryLimit, size))
        }
        RunRecord.write(row, occurrences: 1, to: arena!.base + used)
        starts.append(used)
        used += size
        return spilled
    }

    /// Spills what is left and gives the arena's memory back: the merge needs its own.
    func finish() throws {
        try spill()
        arena = nil
        starts = []
    }

    /// Sorts and writes what the arena holds as one run (nothing when it is empty).
    func spill() throws {
        guard let arena, !starts.isEmpty else { return }
        let base = UnsafeRawPointer(arena.base)
        starts.sort { left, right in
            let order = RunRecord.compareKeys(RunRecord(base: base + left).key, RunRecord(base: base + right).key)
            return order != 0 ? order < 0 : left < right
        }
        try writeRun(base: arena.base)
        used = 0
        starts.removeAll(keepingCapacity: true)
        if arena.capacity > memoryLimit { self.arena = nil }
    }

    /// Writes each key's last record (with the key's row count) in key order, in 1 MiB writes.
    private func writeRun(base: UnsafeMutableRawPointer) throws {
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
        runs.append(Run(offset: start, length: scratch.size - start))
    }
}

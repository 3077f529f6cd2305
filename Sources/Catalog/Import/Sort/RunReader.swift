import Foundation

/// Reads one run's records in order through a buffer that grows for an oversized record.
final class RunReader {
    private let scratch: ScratchFile
    private var fileOffset: Int64
    private let end: Int64
    private var memory: MappedBuffer
    private var buffer: UnsafeMutableRawPointer { memory.base }
    private var capacity: Int { memory.capacity }
    /// Valid bytes in the buffer, and where the current record starts in it.
    private var filled = 0
    private var position = 0
    private(set) var current: RunRecord?

    init(scratch: ScratchFile, run: RunSorter.Run, bufferSize: Int) throws {
        self.scratch = scratch
        self.fileOffset = run.offset
        self.end = run.offset + run.length
        self.memory = try MappedBuffer(capacity: bufferSize)
        try load()
    }

    /// Moves to the next record; false at the end of the run.
    func advance() throws -> Bool {
        if let current { position += current.totalLength }
        try load()
        return current != nil
    }

    /// Makes the record at `position` wholly present in the buffer (or sets `current` to nil).
    private func load() throws {
        if !(try ensure(RunRecord.headerSize)) {
            current = nil
            return
        }
        let length = RunRecord.length(at: buffer + position)
        guard try ensure(length) else {
            throw ImportFailure("the import's scratch file is truncated", retryable: true)
        }
        current = RunRecord(base: UnsafeRawPointer(buffer + position))
    }

    /// Whether `count` bytes from `position` are (or could be made) available.
    private func ensure(_ count: Int) throws -> Bool {
        if filled - position >= count { return true }
        let remaining = filled - position
        if remaining == 0 && fileOffset >= end { return false }
        if count > capacity {
            let larger = try MappedBuffer(capacity: count)
            larger.base.copyMemory(from: buffer + position, byteCount: remaining)
            memory = larger
        } else if remaining > 0 {
            memmove(buffer, buffer + position, remaining)
        }
        position = 0
        filled = remaining
        let wanted = min(capacity - filled, Int(end - fileOffset))
        let read = try scratch.read(into: buffer + filled, count: wanted, at: fileOffset)
        fileOffset += Int64(read)
        filled += read
        return filled >= count
    }
}

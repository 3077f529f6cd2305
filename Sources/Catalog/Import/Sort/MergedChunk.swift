import Common
import Foundation

/// A stretch of the merge's output, copied out of the run readers so that one thread writes it
/// into the catalogue while another merges the next: for each key, in key order, its record
/// (`RunRecord`'s layout), the rows of the file it stands for, and a fresh id for the product
/// its write may create.
final class MergedChunk {
    /// Keys per chunk: small enough that the writer never waits long for the first one, large
    /// enough that handing a chunk over costs nothing per row.
    static let capacity = 1024
    /// The bytes a chunk keeps between uses; a record larger than that gets a chunk of its own.
    static let defaultBytes = 512 << 10

    private struct Entry {
        /// Where the id is; the record follows it.
        var offset: Int
        var occurrences: Int
    }

    private var memory: MappedBuffer
    private var used = 0
    private var entries: [Entry] = []
    private let makesIDs: Bool

    /// `makesIDs` false (a dry run): no ids, `id(at:)` is empty.
    init(makesIDs: Bool) throws {
        self.memory = try MappedBuffer(capacity: Self.defaultBytes)
        self.makesIDs = makesIDs
        entries.reserveCapacity(Self.capacity)
    }

    var count: Int { entries.count }
    var isEmpty: Bool { entries.isEmpty }

    /// Empties the chunk for its next use (an oversized one goes back to the default size).
    func reset() throws {
        used = 0
        entries.removeAll(keepingCapacity: true)
        if memory.capacity > Self.defaultBytes { memory = try MappedBuffer(capacity: Self.defaultBytes) }
    }

    /// Copies `record` in with a new id; false when the chunk is full (an empty chunk always
    /// takes it, growing for it).
    func append(_ record: RunRecord, occurrences: Int) throws -> Bool {
        let idLength = makesIDs ? UUIDv7.textLength : 0
        let length = idLength + record.totalLength
        guard entries.count < Self.capacity, used + length <= memory.capacity || entries.isEmpty else { return false }
        if length > memory.capacity { memory = try MappedBuffer(capacity: length) }
        if makesIDs { UUIDv7.make(into: memory.base + used) }
        (memory.base + used + idLength).copyMemory(from: record.base, byteCount: record.totalLength)
        entries.append(Entry(offset: used, occurrences: occurrences))
        used += length
        return true
    }

    func record(at index: Int) -> RunRecord {
        RunRecord(base: UnsafeRawPointer(memory.base + entries[index].offset + (makesIDs ? UUIDv7.textLength : 0)))
    }

    func occurrences(at index: Int) -> Int { entries[index].occurrences }

    /// The product at `index`, as views into the chunk: valid until the chunk is reset.
    func product(at index: Int) -> ImportedProduct {
        let record = record(at: index)
        let id = UnsafeRawBufferPointer(start: memory.base + entries[index].offset, count: makesIDs ? UUIDv7.textLength : 0)
        return ImportedProduct(
            id: id, key: record.key, sku: record.sku, name: record.name, description: record.description, active: record.active)
    }
}

import Common
import Foundation
import Testing

@testable import Catalog

/// The merge's producer thread: chunks in key order with every key once, the resume key
/// skipped, a record larger than a chunk's memory, a failure of the merge, and a stop while it
/// still produces.
@Suite struct MergePipelineTests {
    /// Sorted runs of `keys` keys, each written twice (the second row wins), through a sort
    /// memory small enough for many runs; `large` adds one record bigger than a chunk's memory.
    private static func runs(keys: Int, large: Bool = false) throws -> (ScratchFile, [RunSorter.Run]) {
        let scratch = try ScratchFile(directory: NSTemporaryDirectory())
        let sorter = RunSorter(scratch: scratch, memoryLimit: 8 << 10)
        for pass in 0..<2 {
            for key in 0..<keys {
                let description = large && key == 7 ? [UInt8](repeating: 0x61, count: MergedChunk.defaultBytes + 1) : Array("d\(pass)".utf8)
                let bytes = Array(String(format: "k%06d", key).utf8)
                try sorter.add(
                    RowFields(key: bytes[...], sku: bytes[...], name: Array("n\(pass)".utf8)[...], description: description[...], active: nil))
            }
        }
        try sorter.finish()
        return (scratch, sorter.runs)
    }

    /// Every chunk's keys, occurrences, names and ids, in the order `next()` gave them.
    private static func drain(_ pipeline: MergePipeline) throws -> (keys: [String], chunkSizes: [Int], rows: Int, ids: [String]) {
        var keys: [String] = []
        var sizes: [Int] = []
        var rows = 0
        var ids: [String] = []
        while let chunk = try pipeline.next() {
            sizes.append(chunk.count)
            for index in 0..<chunk.count {
                let product = chunk.product(at: index)
                keys.append(String(decoding: product.key, as: UTF8.self))
                #expect(String(decoding: product.name, as: UTF8.self) == "n1")
                ids.append(String(decoding: product.id, as: UTF8.self))
                rows += chunk.occurrences(at: index)
            }
            pipeline.recycle(chunk)
        }
        return (keys, sizes, rows, ids)
    }

    @Test func chunksHoldEveryKeyOnceInOrderWithANewIdEach() throws {
        let (scratch, runs) = try Self.runs(keys: 5000)
        #expect(runs.count > 10)
        let pipeline = try MergePipeline(
            merger: try RunMerger(scratch: scratch, runs: runs, memoryLimit: 64 << 10), after: nil, makesIDs: true)
        pipeline.start()
        defer { pipeline.stop() }
        let (keys, sizes, rows, ids) = try Self.drain(pipeline)
        #expect(keys == (0..<5000).map { String(format: "k%06d", $0) })
        #expect(rows == 10_000)
        #expect(sizes.count == 5 && sizes.allSatisfy { $0 <= MergedChunk.capacity })
        #expect(ids == ids.sorted() && Set(ids).count == 5000 && ids.allSatisfy { UUIDv7.isValid($0) })
        #expect(try pipeline.next() == nil)
    }

    @Test func aResumedMergeStartsAfterItsKeyAndADryRunMakesNoIds() throws {
        let (scratch, runs) = try Self.runs(keys: 3000)
        let pipeline = try MergePipeline(
            merger: try RunMerger(scratch: scratch, runs: runs, memoryLimit: 64 << 10), after: Array("k001499".utf8),
            makesIDs: false)
        pipeline.start()
        defer { pipeline.stop() }
        let (keys, _, rows, ids) = try Self.drain(pipeline)
        #expect(keys == (1500..<3000).map { String(format: "k%06d", $0) })
        #expect(rows == 3000)
        #expect(ids.allSatisfy { $0.isEmpty })
    }

    @Test func aRecordLargerThanAChunksMemoryComesInAChunkOfItsOwn() throws {
        let (scratch, runs) = try Self.runs(keys: 20, large: true)
        let pipeline = try MergePipeline(
            merger: try RunMerger(scratch: scratch, runs: runs, memoryLimit: 64 << 10), after: nil, makesIDs: true)
        pipeline.start()
        defer { pipeline.stop() }
        var sizes: [Int] = []
        var large: Int?
        while let chunk = try pipeline.next() {
            for index in 0..<chunk.count where chunk.product(at: index).description?.count == MergedChunk.defaultBytes + 1 {
                large = sizes.count
            }
            sizes.append(chunk.count)
            pipeline.recycle(chunk)
        }
        // k000000…k000006, then k000007 alone, then the rest.
        #expect(sizes == [7, 1, 12])
        #expect(large == 1)
    }

    @Test func aFailingMergeThrowsAfterTheChunksMadeBeforeIt() throws {
        let (scratch, runs) = try Self.runs(keys: 4000)
        // The last run loses its last bytes: its reader meets a truncated record at its end.
        var cut = runs
        cut[cut.count - 1].length -= 3
        let pipeline = try MergePipeline(
            merger: try RunMerger(scratch: scratch, runs: cut, memoryLimit: 64 << 10), after: nil, makesIDs: true)
        pipeline.start()
        defer { pipeline.stop() }
        var received = 0
        #expect(throws: ImportFailure.self) {
            while let chunk = try pipeline.next() {
                received += chunk.count
                pipeline.recycle(chunk)
            }
        }
        #expect(received > 0 && received < 4000)
    }

    @Test func stopReturnsWhileTheMergeStillHasMore() throws {
        let (scratch, runs) = try Self.runs(keys: 20_000)
        let pipeline = try MergePipeline(
            merger: try RunMerger(scratch: scratch, runs: runs, memoryLimit: 64 << 10), after: nil, makesIDs: true)
        pipeline.start()
        // One chunk taken and never given back: the producer fills the other two and waits.
        #expect(try pipeline.next()?.count == MergedChunk.capacity)
        let started = Date()
        pipeline.stop()
        pipeline.stop()
        #expect(Date().timeIntervalSince(started) < 5)
    }
}

/// The read's sorter: runs in the order the rows came, a spill that cannot write.
@Suite struct RunSorterTests {
    @Test func runsKeepTheFileOrderSoTheLastRowWins() throws {
        let scratch = try ScratchFile(directory: NSTemporaryDirectory())
        let sorter = RunSorter(scratch: scratch, memoryLimit: 4 << 10)
        // The same ten keys again and again: every run holds each, and the merge must take the
        // record of the last run (the file's last row) for each.
        for pass in 0..<200 {
            for key in 0..<10 {
                let bytes = Array("k\(key)".utf8)
                try sorter.add(RowFields(key: bytes[...], sku: bytes[...], name: Array("n\(pass)".utf8)[...], description: nil, active: nil))
            }
        }
        try sorter.finish()
        #expect(sorter.runs.count > 20)
        #expect(zip(sorter.runs, sorter.runs.dropFirst()).allSatisfy { $0.offset + $0.length == $1.offset })
        let merger = try RunMerger(scratch: scratch, runs: sorter.runs, memoryLimit: 64 << 10)
        var names: [String] = []
        var rows = 0
        while let merged = try merger.next() {
            names.append(String(decoding: merged.record.name, as: UTF8.self))
            rows += merged.occurrences
        }
        #expect(names == Array(repeating: "n199", count: 10))
        #expect(rows == 2000)
    }

    @Test func aSpillThatCannotWriteFailsTheReadWithTheDisksError() throws {
        let full = open("/dev/full", O_RDWR)
        try #require(full >= 0)
        let sorter = RunSorter(scratch: ScratchFile(adopting: full), memoryLimit: 4 << 10)
        let error = #expect(throws: ImportFailure.self) {
            for row in 0..<10_000 {
                let bytes = Array("key-\(row)".utf8)
                try sorter.add(RowFields(key: bytes[...], sku: bytes[...], name: bytes[...], description: nil, active: nil))
            }
            try sorter.finish()
        }
        #expect(error?.message.contains("No space left on device") == true)
    }
}

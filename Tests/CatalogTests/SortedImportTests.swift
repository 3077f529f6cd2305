import Foundation
import GRDB
import Testing

@testable import Catalog
@testable import TaskQueue

/// The external sort-merge: many sorted runs (a tiny sort memory), keys repeated across runs with
/// case variants and non-ASCII letters, batches that end anywhere — checked against a model of
/// DESIGN.md §7 (last one wins by Unicode-lowercase SKU; counts).
@Suite struct SortedImportTests {
    /// A random file: `rows` rows over `keys` distinct identities, each written in a random casing.
    static func randomCSV(rows: Int, keys: Int, seed: UInt64) -> (csv: String, model: [String: String], created: Int) {
        var generator = SeededGenerator(seed: seed)
        let stems = ["ab", "Éa", "zz", "ß-", "ça", "Ω", "q"]
        var csv = "sku,name,description\n"
        var model: [String: String] = [:]
        for row in 0..<rows {
            let key = Int.random(in: 0..<keys, using: &generator)
            let stem = stems[key % stems.count]
            var sku = "\(stem)-\(key)"
            if Bool.random(using: &generator) { sku = sku.uppercased() }
            let name = "name \(row)"
            let description = row % 5 == 0 ? "\"multi\nline, \(row)\"" : "d\(row)"
            csv += "\(sku),\(name),\(description)\n"
            model[sku.lowercased()] = "\(sku)|\(name)|\(row % 5 == 0 ? "multi\nline, \(row)" : "d\(row)")|1"
        }
        return (csv, model, model.count)
    }

    static func expected(_ model: [String: String]) -> [String] {
        // The fixture lists products by sku_key: SQLite's byte order of the UTF-8 keys.
        model.sorted { Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) }.map(\.value)
    }

    @Test(arguments: CatalogBackend.allCases, [(512, 7), (4096, 97), (16 << 20, 20_000)])
    func manyRunsMergeToTheLastRowOfEachKey(backend: CatalogBackend, sizes: (sortMemory: Int, batchRows: Int)) async throws {
        let fixture = try CatalogFixture(backend, batchRows: sizes.batchRows, sortMemoryBytes: sizes.sortMemory)
        let (csv, model, distinct) = Self.randomCSV(rows: 3000, keys: 400, seed: 7)
        let summary = try await fixture.importCSV(csv).0.get()
        #expect(summary.created == distinct)
        #expect(summary.updated == 3000 - distinct)
        #expect(try fixture.products() == Self.expected(model))
        // A second file over the first: updates by identity, creates the rest.
        let (csv2, model2, _) = Self.randomCSV(rows: 1000, keys: 800, seed: 8)
        let second = try await fixture.importCSV(csv2).0.get()
        let merged = model.merging(model2) { _, new in new }
        #expect(second.created == merged.count - model.count)
        #expect(second.updated == 1000 - second.created)
        #expect(try fixture.products() == Self.expected(merged))
        #expect(try fixture.integer("SELECT products FROM catalog_stats") == merged.count)
    }

    @Test(arguments: CatalogBackend.allCases)
    func anImportStoppedInTheMergeResumesAfterItsCheckpointKey(backend: CatalogBackend) async throws {
        let fixture = try CatalogFixture(backend, batchRows: 50, sortMemoryBytes: 2048)
        let (csv, model, distinct) = Self.randomCSV(rows: 2000, keys: 600, seed: 11)
        let name = try fixture.upload(csv)
        let record = try await fixture.catalog.store.createImport(NewImport(filePath: name, filename: name))
        // Delivery 1 stops after the merge's fourth batch of 50 keys (as if its worker died).
        let first = try fixture.importer(
            record, token: 1, monitor: RecordingMonitor(armedBy: { $0["stage"] == "importing" }, thenChecks: 3))
        #expect(throws: TaskCancelled.self) { try first.run() }
        #expect(try fixture.products().count == 200)
        try fixture.execute("UPDATE imports SET state = 'RUNNING' WHERE id = '\(record.id)'")
        try fixture.execute("UPDATE catalog_lock SET import_id = '\(record.id)', token = 1")
        let checkpoint = try #require(try await fixture.catalog.store.importRecord(id: record.id)?.checkpointKey)
        #expect(!checkpoint.isEmpty)
        // Delivery 2 reads the file again and writes only the keys after the checkpoint.
        let monitor = RecordingMonitor()
        let summary = try fixture.importer(record, token: 2, monitor: monitor).run()
        #expect(summary.created == distinct)
        #expect(summary.updated == 2000 - distinct)
        #expect(summary.rowsProcessed == 2000)
        #expect(try fixture.products() == Self.expected(model))
        // Progress never went back within delivery 2, and ended at 100%.
        let percents = monitor.metas.compactMap { $0["percent"]?.doubleValue }
        #expect(percents == percents.sorted())
        #expect(percents.last == 100)
    }

    @Test func theValidatorWorksOnBytesAndDecodesOnlyWhatNeedsIt() throws {
        let header = try CSVHeader(CSVRecord(line: 1, offset: 0, bytes: Array("skuname".utf8), ends: [3, 7]))
        let validator = RowValidator(header: header)
        func row(_ sku: String, _ name: String) -> Result<ProductRow, RowError> {
            let bytes = Array(sku.utf8) + Array(name.utf8)
            return validator.validate(CSVRecord(line: 2, offset: 0, bytes: bytes, ends: [sku.utf8.count, bytes.count]))
        }
        // Unicode white space is trimmed, Unicode letters lowercased.
        let trimmed = try row("\u{00A0}ÉTÉ-1\u{2003}", " Name\t").get()
        #expect(trimmed.sku == "ÉTÉ-1")
        #expect(trimmed.skuKey == "été-1")
        #expect(trimmed.name == "Name")
        #expect(try row("AbC", "x").get().skuKey == "abc")
        // Lengths are in Unicode scalars: 255 two-byte letters pass, 256 do not.
        #expect(throws: Never.self) { try row(String(repeating: "é", count: 255), "x").get() }
        #expect(throws: RowError.self) { try row(String(repeating: "é", count: 256), "x").get() }
        #expect(throws: RowError.self) { try row("   ", "x").get() }
    }
}

/// SplitMix64: reproducible random data for tests.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

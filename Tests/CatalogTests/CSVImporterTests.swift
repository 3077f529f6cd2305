import Foundation
import GRDB
import Testing

@testable import Catalog
@testable import TaskQueue

@Suite struct CSVImporterTests {
    @Test(arguments: CatalogBackend.allCases)
    func lastOneWinsWithCaseVariantsWithinAFileAndAcrossImports(backend: CatalogBackend) async throws {
        let fixture = try CatalogFixture(backend, batchRows: 3)
        // Within a file: the last row of a key wins, the stored SKU keeps the latest casing.
        let (first, record) = try await fixture.importCSV(
            "sku,name,description\nAB-1,First,d1\nÉ-1,Accent,x\nab-1,Second,d2\né-1,Lower,y\nC,Other,z\n")
        let summary = try first.get()
        #expect(summary.created == 3)
        #expect(summary.updated == 2)
        #expect(record.state == .success)
        #expect(try fixture.products() == ["ab-1|Second|d2|1", "C|Other|z|1", "é-1|Lower|y|1"])
        // Across imports: a later file updates by the same identity.
        let (second, _) = try await fixture.importCSV("sku,name,description\nAb-1,Third,d3\nÉ-1,Upper,q\nnew,New,n\n")
        #expect(try second.get().created == 1)
        #expect(try second.get().updated == 2)
        #expect(try fixture.products() == ["Ab-1|Third|d3|1", "C|Other|z|1", "new|New|n|1", "É-1|Upper|q|1"])
        // The kept product count follows the creations.
        #expect(try fixture.integer("SELECT products FROM catalog_stats") == 4)
        #expect(try fixture.integer("SELECT COUNT(*) FROM products") == 4)
    }

    @Test(arguments: CatalogBackend.allCases)
    func activeIsPreservedUnlessTheFileHasTheColumn(backend: CatalogBackend) async throws {
        let fixture = try CatalogFixture(backend)
        _ = try await fixture.importCSV("sku,name,active\nA,1,false\nB,2,yes\nC,3,0\n").0.get()
        #expect(try fixture.products() == ["A|1||0", "B|2||1", "C|3||0"])
        // No active column: flags stay; no description column: descriptions stay.
        _ = try await fixture.importCSV("sku,name,description\nA,one,desc\n").0.get()
        _ = try await fixture.importCSV("sku,name\nA,uno\nB,dos\n").0.get()
        #expect(try fixture.products() == ["A|uno|desc|0", "B|dos||1", "C|3||0"])
        // An empty active cell keeps the flag too.
        _ = try await fixture.importCSV("sku,name,active\nA,x,\nC,y,TRUE\n").0.get()
        #expect(try fixture.products() == ["A|x|desc|0", "B|dos||1", "C|y||1"])
    }

    @Test(arguments: CatalogBackend.allCases)
    func rowErrorsCarryPhysicalLinesColumnsAndReasons(backend: CatalogBackend) async throws {
        let fixture = try CatalogFixture(backend, batchRows: 2)
        let csv = """
            SKU , Name ,description,extra
            A,"multi
            line
            name",d,x
            ,no sku,d,x
            B,,d,x
            C,c,d
            D,d,d,x
            E,e,"never closed
            """
        let (result, record) = try await fixture.importCSV(csv)
        let summary = try result.get()
        #expect(summary.created == 2)
        #expect(summary.skipped == 4)
        #expect(summary.rowsProcessed == 6)
        let errors = try await fixture.errors(record)
        #expect(errors.map(\.line) == [5, 6, 7, 9])
        #expect(errors.map(\.column) == ["sku", "name", nil, nil])
        #expect(errors[0].reason == "the SKU is empty")
        #expect(errors[2].reason == "expected 4 fields, found 3")
        #expect(errors[3].reason.contains("not closed"))
        #expect(errors[0].raw == ",no sku,d,x")
        #expect(record.warnings == ["unknown column 'extra' ignored"])
        #expect(record.errorCount == 4)
    }

    @Test(arguments: CatalogBackend.allCases)
    func invalidValuesAreRowErrors(backend: CatalogBackend) async throws {
        let fixture = try CatalogFixture(backend, maxFieldBytes: 2048)
        var data = Data("sku,name,description,active\n".utf8)
        data += Data("ok,Fine,d,1\n".utf8)
        data += Data([0x62, 0x61, 0x64, 0xFF]) + Data(",n,d,1\n".utf8)  // invalid UTF-8 in the SKU
        data += Data("nul,na\u{0}me,d,1\n".utf8)
        data += Data("act,a,d,maybe\n".utf8)
        data += Data((String(repeating: "s", count: 256) + ",n,d,1\n").utf8)
        data += Data(("long,n," + String(repeating: "x", count: 3000) + ",1\n").utf8)
        let (result, record) = try await fixture.importFile(try fixture.upload(data))
        #expect(try result.get().created == 1)
        let reasons = try await fixture.errors(record).map(\.reason)
        #expect(reasons[0] == "the field is not valid UTF-8")
        #expect(reasons[1] == "the field contains a NUL byte")
        #expect(reasons[2].contains("true/false"))
        #expect(reasons[3] == "the SKU is over 255 characters")
        #expect(reasons[4] == "a field is over 2048 bytes")
    }

    @Test(arguments: CatalogBackend.allCases)
    func headerOnlySucceedsWithZeroRows(backend: CatalogBackend) async throws {
        let fixture = try CatalogFixture(backend)
        let (result, record) = try await fixture.importCSV("\u{FEFF}sku,name\r\n")
        #expect(try result.get().rowsProcessed == 0)
        #expect(record.state == .success)
    }

    @Test(arguments: [
        ("name,description\nx,y\n", "no 'sku' column"),
        ("sku;name\nA;1\n", "separated by semicolons"),
        ("sku\tname\nA\t1\n", "separated by tabs"),
        ("sku,name,SKU\nA,1,2\n", "twice"),
        ("sku,desc\nA,1\n", "no 'name' column"),
        ("", "empty"),
    ])
    func headerProblemsFailTheImport(csv: String, message: String) async throws {
        let fixture = try CatalogFixture()
        let (result, record) = try await fixture.importCSV(csv)
        guard case .failure(let error) = result, let failure = error as? ImportFailure else {
            Issue.record("expected a failure")
            return
        }
        #expect(failure.message.contains(message), "\(failure.message)")
        #expect(!failure.retryable)
        #expect(record.state == .failure)
        #expect(record.error?.contains(message) == true)
    }

    @Test(arguments: CatalogBackend.allCases)
    func utf16LatinAndBinaryJunkFailWithAClearMessage(backend: CatalogBackend) async throws {
        let fixture = try CatalogFixture(backend)
        var utf16 = Data([0xFF, 0xFE])
        utf16 += "sku,name\nA,1\n".data(using: .utf16LittleEndian)!
        let latin1 = "sku,námé\nA,1\n".data(using: .isoLatin1)!
        var junk = Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 7919 &+ 13) })
        junk[10] = 0
        for (data, message) in [(utf16, "UTF-16"), (latin1, "not valid UTF-8"), (junk, "UTF-8")] {
            let (result, _) = try await fixture.importFile(try fixture.upload(data))
            guard case .failure(let error) = result else {
                Issue.record("expected a failure for \(message)")
                continue
            }
            #expect("\(error)".contains(message), "\(error)")
        }
    }

    @Test(arguments: CatalogBackend.allCases)
    func allRowsInvalidSucceedsWithZeroRows(backend: CatalogBackend) async throws {
        let fixture = try CatalogFixture(backend)
        let (result, record) = try await fixture.importCSV("sku,name\n,a\n,b\n")
        #expect(try result.get().created == 0)
        #expect(try result.get().skipped == 2)
        #expect(record.state == .success)
    }

    @Test(arguments: CatalogBackend.allCases)
    func atomicImportIsAllOrNothing(backend: CatalogBackend) async throws {
        let fixture = try CatalogFixture(backend, batchRows: 2)
        let name = try fixture.upload("sku,name\nA,1\nB,2\nC,3\nD,4\nE,5\n")
        // A cancellation after the first batch rolls the whole atomic import back.
        let (cancelled, record) = try await fixture.importFile(
            name, options: ImportOptions(atomic: true, batchRows: 2), monitor: RecordingMonitor(cancelAfter: 1))
        guard case .failure(let error) = cancelled, error is TaskCancelled else {
            Issue.record("expected a cancellation")
            return
        }
        #expect(record.state == .revoked)
        #expect(try fixture.products().isEmpty)
        let (done, _) = try await fixture.importFile(name, options: ImportOptions(atomic: true, batchRows: 2))
        #expect(try done.get().created == 5)
    }

    @Test(arguments: CatalogBackend.allCases)
    func revokedImportStopsAtABatchBoundaryAndKeepsWhatItCommitted(backend: CatalogBackend) async throws {
        let fixture = try CatalogFixture(backend, batchRows: 2)
        // The first check is at the lock; the revoke is seen after the second batch.
        let (result, record) = try await fixture.importFile(
            try fixture.upload("sku,name\nA,1\nB,2\nC,3\nD,4\nE,5\n"), monitor: RecordingMonitor(cancelAfter: 2))
        guard case .failure = result else {
            Issue.record("expected a cancellation")
            return
        }
        #expect(record.state == .revoked)
        #expect(record.message == "Revoked")
        #expect(try fixture.products() == ["A|1||1", "B|2||1", "C|3||1", "D|4||1"])
        // The whole file was read (and validated) before the merge wrote its first batch.
        #expect(record.rowsProcessed == 5)
        #expect(record.created == 4)
    }

    @Test(arguments: CatalogBackend.allCases)
    func dryRunCountsWithoutWriting(backend: CatalogBackend) async throws {
        let fixture = try CatalogFixture(backend, batchRows: 2)
        _ = try await fixture.importCSV("sku,name\nA,1\n").0.get()
        let (result, _) = try await fixture.importCSV("sku,name\nA,x\nB,2\nb,3\nC,4\n", options: ImportOptions(dryRun: true, batchRows: 2))
        let summary = try result.get()
        #expect(summary.created == 2)
        #expect(summary.updated == 2)
        #expect(try fixture.products() == ["A|1||1"])
    }

    @Test(arguments: CatalogBackend.allCases)
    func aStaleDeliveryCannotWriteAndAResumedOneContinuesFromItsCheckpoint(backend: CatalogBackend) async throws {
        let fixture = try CatalogFixture(backend, batchRows: 2)
        let name = try fixture.upload("sku,name\nA,1\nB,2\nC,3\nD,4\nE,5\nF,6\n")
        let record = try await fixture.catalog.store.createImport(NewImport(filePath: name, filename: name))
        // Delivery 1 commits one batch, then stops (as if its process died).
        let first = try fixture.importer(
            record, token: 1, options: ImportOptions(batchRows: 2), monitor: RecordingMonitor(cancelAfter: 1))
        _ = try? first.run()
        // Simulate the crash: the record is left running, the lock held by delivery 1.
        try fixture.execute("UPDATE imports SET state = 'RUNNING' WHERE id = '\(record.id)'")
        try fixture.execute("UPDATE catalog_lock SET import_id = '\(record.id)', token = 1")
        #expect(try fixture.products().count == 2)
        // Delivery 2 takes the lock over with its newer token and resumes at the checkpoint.
        let second = try fixture.importer(
            record, token: 2, options: ImportOptions(batchRows: 2), monitor: RecordingMonitor())
        let summary = try second.run()
        #expect(summary.created == 6)
        #expect(summary.rowsProcessed == 6)
        #expect(try fixture.products().count == 6)
        #expect(try fixture.integer("SELECT products FROM catalog_stats") == 6)
        // Delivery 1 writing again is refused by the fence.
        let stale = try fixture.importer(
            record, token: 1, options: ImportOptions(batchRows: 2), monitor: RecordingMonitor())
        try fixture.execute(
            "UPDATE catalog_lock SET import_id = '\(record.id)', token = 2, heartbeat_at = \(Date().timeIntervalSince1970)")
        try fixture.execute("UPDATE imports SET state = 'RUNNING' WHERE id = '\(record.id)'")
        #expect(throws: ImportFailure.self) { try stale.run() }
        #expect(try fixture.products().count == 6)
        #expect(try fixture.integer("SELECT token FROM catalog_lock") == 2)
    }

    @Test(arguments: CatalogBackend.allCases)
    func progressReportsTheMetaOfTheDesign(backend: CatalogBackend) async throws {
        let fixture = try CatalogFixture(backend, batchRows: 1)
        let monitor = RecordingMonitor()
        _ = try await fixture.importFile(try fixture.upload("sku,name\nA,1\nB,2\n"), monitor: monitor).0.get()
        let last = try #require(monitor.metas.last)
        #expect(last["stage"] == "complete")
        #expect(last["percent"] == 100.0)
        #expect(last["created"] == 2)
        for key in ["stage", "message", "rows_processed", "bytes_read", "bytes_total", "percent", "created", "updated", "skipped", "errors"] {
            #expect(last[key] != nil, "\(key)")
        }
        #expect(monitor.metas.contains { $0["stage"] == "importing" })
    }

    @Test(arguments: CatalogBackend.allCases)
    func anImportWaitsWhileAnotherHoldsTheLockAndCanBeRevokedMeanwhile(backend: CatalogBackend) async throws {
        let fixture = try CatalogFixture(backend)
        // Given a running import holding the catalogue lock
        let other = try await fixture.catalog.store.createImport(NewImport(filePath: "x", filename: nil))
        try fixture.execute("UPDATE imports SET state = 'RUNNING' WHERE id = '\(other.id)'")
        try fixture.execute(
            "UPDATE catalog_lock SET import_id = '\(other.id)', token = 7, heartbeat_at = \(Date().timeIntervalSince1970)")
        // When a second import starts, it waits (writing nothing) until it is revoked
        let started = Date()
        let (result, record) = try await fixture.importFile(
            try fixture.upload("sku,name\nA,1\n"), monitor: RecordingMonitor(cancelAfter: 3))
        guard case .failure(let error) = result, error is TaskCancelled else {
            Issue.record("expected a cancellation")
            return
        }
        #expect(Date().timeIntervalSince(started) >= 0.5)
        #expect(record.state == .revoked)
        #expect(try fixture.products().isEmpty)
        // Once the holder finishes, the lock is free for the next import
        try fixture.execute("UPDATE imports SET state = 'SUCCESS' WHERE id = '\(other.id)'")
        #expect(try await fixture.importCSV("sku,name\nA,1\n").0.get().created == 1)
    }
}

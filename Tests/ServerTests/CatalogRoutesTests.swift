import Catalog
import Foundation
import HTTPTypes
import TestSupport
import Testing

@testable import Server
@testable import TaskQueue

/// Imports and products over HTTP (the parts of issue 6 built so far).
@Suite struct CatalogRoutesTests {
    /// Imports `csv` through the queue with a worker, as the upload endpoint will.
    func runImport(_ api: APIHarness, _ csv: String) async throws -> (importID: String, taskID: String) {
        try await runImport(api, Data(csv.utf8))
    }

    func runImport(_ api: APIHarness, _ csv: Data) async throws -> (importID: String, taskID: String) {
        let submitter = ImportSubmitter(catalog: api.context.catalog, client: api.context.client)
        let name = submitter.uploadName(for: "products.csv")
        try csv.write(to: URL(fileURLWithPath: api.context.catalog.uploadsDirectory + "/" + name))
        let ids = try await submitter.submit(storedName: name, filename: "products.csv")
        try await api.withWorker {
            let ended = try await eventually(timeout: 10) {
                let state = try await api.send(.get, "/api/v1/products/upload/\(ids.taskID)/status").json["state"]
                return state == "Completed" || state == "Failed"
            }
            #expect(ended)
        }
        return ids
    }

    @Test(arguments: APIHarness.Backend.allCases)
    func seedStatusImportsAndErrors(backend: APIHarness.Backend) async throws {
        let api = try APIHarness(backend)
        let (importID, taskID) = try await runImport(api, "sku,name,extra\nA,Apple,x\nB,,x\nC,Cherry,x\n\"D\",\"Date, dried\",x\n")
        let status = try await api.send(.get, "/api/v1/products/upload/\(taskID)/status")
        #expect(status.json["state"] == "Completed")
        #expect(status.json["progress_percent"]?.doubleValue == 100)
        #expect(status.json["created"] == 3)
        #expect(status.json["errors"] == 1)
        #expect(status.json["current"] == 4)
        #expect(status.json["total"] == 4)
        #expect(status.json["message"] == "Import Complete")
        #expect(status.json["error"] == .null)
        #expect(try await api.send(.get, "/api/v1/products/upload/\(JobID.make())/status").status == .notFound)

        let list = try await api.send(.get, "/api/v1/imports")
        #expect(list.json["total"] == 1)
        let item = try #require(list.json["items"]?.arrayValue?.first)
        #expect(item["import_id"] == .string(importID))
        #expect(item["state"] == "SUCCESS")
        #expect(item["filename"] == "products.csv")
        #expect(item["warnings"] == ["unknown column 'extra' ignored"])
        #expect(try await api.send(.get, "/api/v1/imports/\(importID)").json["skipped"] == 1)
        #expect(try await api.send(.get, "/api/v1/imports/nope").status == .notFound)

        let errors = try await api.send(.get, "/api/v1/imports/\(importID)/errors")
        #expect(errors.json["items"]?.arrayValue?.first?["line"] == 3)
        #expect(errors.json["items"]?.arrayValue?.first?["column"] == "name")
        let csv = try await api.send(.get, "/api/v1/imports/\(importID)/errors?format=csv")
        #expect(csv.headers[.contentType]?.hasPrefix("text/csv") == true)
        #expect(csv.text == "line,column,reason,raw\n3,name,the name is empty,\"B,,x\"\n")
        #expect(try await api.send(.get, "/api/v1/imports/\(importID)/errors?format=xml").status == .unprocessableContent)
    }

    @Test(arguments: APIHarness.Backend.allCases)
    func failedImportStatusSaysWhy(backend: APIHarness.Backend) async throws {
        let api = try APIHarness(backend)
        let (_, taskID) = try await runImport(api, "name;sku\nx;y\n")
        let status = try await api.send(.get, "/api/v1/products/upload/\(taskID)/status")
        #expect(status.json["state"] == "Failed")
        #expect(status.json["error"]?.stringValue?.contains("semicolons") == true)
    }

    @Test(arguments: APIHarness.Backend.allCases)
    func productListingFiltersAndPages(backend: APIHarness.Backend) async throws {
        let api = try APIHarness(backend)
        _ = try await runImport(
            api,
            "sku,name,description,active\nAB-1,Red apple,Fresh fruit,yes\nab-2,Green Apple,crisp,no\nCD-3,Cherry,Sweet FRUIT,yes\nÉ-4,Éclair,pastry,yes\n")
        let all = try await api.send(.get, "/api/v1/products")
        #expect(all.json["total"] == 4)
        let items = try #require(all.json["items"]?.arrayValue)
        // Newest first: ids are time-ordered, so the listing is stable.
        #expect(items.map { $0["id"]?.stringValue ?? "" } == items.map { $0["id"]?.stringValue ?? "" }.sorted(by: >))
        #expect(items.first?["active"] == .bool(true))
        func skus(_ query: String) async throws -> [String] {
            try await api.send(.get, "/api/v1/products?\(query)").json["items"]?.arrayValue?.compactMap { $0["sku"]?.stringValue }.sorted() ?? []
        }
        #expect(try await skus("sku=ab") == ["AB-1", "ab-2"])
        #expect(try await skus("sku=%C3%A9") == ["É-4"])
        #expect(try await skus("name=APPLE") == ["AB-1", "ab-2"])
        #expect(try await skus("description=fruit") == ["AB-1", "CD-3"])
        #expect(try await skus("active=false") == ["ab-2"])
        #expect(try await skus("sku=ab&active=true") == ["AB-1"])
        #expect(try await api.send(.get, "/api/v1/products?active=maybe").status == .unprocessableContent)
        // Wildcards in a filter match literally.
        #expect(try await skus("name=%25") == [])
        #expect(try await skus("name=_") == [])
        #expect(try await api.send(.get, "/api/v1/products?cursor=x").status == .unprocessableContent)

        // Paging by offset and by cursor give the same sequence.
        let first = try await api.send(.get, "/api/v1/products?limit=3")
        #expect(first.json["has_more"] == true)
        let cursor = try #require(first.json["next_cursor"]?.stringValue)
        let second = try await api.send(.get, "/api/v1/products?limit=3&cursor=\(cursor)")
        let byOffset = try await api.send(.get, "/api/v1/products?limit=3&offset=3")
        #expect(second.json["items"] == byOffset.json["items"])
        #expect(second.json["has_more"] == false)
        #expect(second.json["next_cursor"] == .null)

        let id = try #require(items.first?["id"]?.stringValue)
        let one = try await api.send(.get, "/api/v1/products/\(id)")
        #expect(one.json == items.first)
        #expect(try await api.send(.get, "/api/v1/products/\(JobID.make())").status == .notFound)
    }

    @Test func cursorPagingIsStableWhileAnImportRuns() async throws {
        let api = try APIHarness { $0.catalog.importDefaults.batchRows = 1000 }
        var first = "sku,name\n"
        for index in 0..<3000 { first += "old-\(index),Old \(index)\n" }
        _ = try await runImport(api, first)
        var second = "sku,name\n"
        for index in 0..<20_000 { second += "new-\(index),New \(index)\n" }
        let upload = try await api.send(.post, "/api/v1/products/upload", headers: [.contentType: "text/csv"], body: second)
        #expect(upload.status == .accepted)
        var seen: [String] = []
        try await api.withWorker {
            // Page through newest first while the second import adds products.
            var cursor: String?
            repeat {
                let page = try await api.send(.get, "/api/v1/products?limit=250" + (cursor.map { "&cursor=\($0)" } ?? ""))
                seen += page.json["items"]?.arrayValue?.compactMap { $0["sku"]?.stringValue } ?? []
                cursor = page.json["next_cursor"]?.stringValue
            } while cursor != nil
        }
        #expect(Set(seen).count == seen.count, "a product was listed twice")
        #expect(Set(seen.filter { $0.hasPrefix("old-") }).count == 3000, "a product that existed throughout was skipped")
    }

    @Test func seedStatusWhileProcessingEstimatesTheTotalFromBytes() async throws {
        let api = try APIHarness()
        let record = try await api.context.catalog.store.createImport(
            NewImport(taskID: "task-running", filePath: "f.csv", filename: "f.csv"))
        try api.catalogSQL { db in
            try db.execute(
                sql: """
                    UPDATE imports SET state = 'RUNNING', stage = 'parsing', rows_processed = 100, bytes_read = 250,
                        bytes_total = 1000, message = 'Parsing CSV' WHERE id = ?
                    """, arguments: [record.id])
        }
        let status = try await api.send(.get, "/api/v1/products/upload/task-running/status")
        #expect(status.json["state"] == "Processing")
        // Reading the file is the first 40% (docs/import.md).
        #expect(status.json["progress_percent"]?.doubleValue == 10)
        #expect(status.json["current"] == 100)
        #expect(status.json["total"] == 400)
        #expect(status.json["message"] == "Parsing CSV")
        // Merging: the rest, by the share of valid rows written.
        try api.catalogSQL { db in
            try db.execute(
                sql: """
                    UPDATE imports SET stage = 'importing', bytes_read = 1000, rows_processed = 400, skipped = 0,
                        rows_merged = 200, message = 'Importing' WHERE id = ?
                    """, arguments: [record.id])
        }
        let merging = try await api.send(.get, "/api/v1/products/upload/task-running/status")
        #expect(merging.json["progress_percent"]?.doubleValue == 70)
        #expect(merging.json["message"] == "Importing")
        // A revoked import shows as Failed with the message "Revoked".
        try api.catalogSQL { db in
            try db.execute(sql: "UPDATE imports SET state = 'REVOKED', message = 'Revoked' WHERE id = ?", arguments: [record.id])
        }
        let revoked = try await api.send(.get, "/api/v1/products/upload/task-running/status")
        #expect(revoked.json["state"] == "Failed")
        #expect(revoked.json["message"] == "Revoked")
    }
}

import Catalog
import Foundation
import GRDB
import HTTPTypes
import TestSupport
import Testing

@testable import Server
@testable import TaskQueue

/// Product management over HTTP (DESIGN.md §10, issue 16).
@Suite struct ProductRoutesTests {
    static let json: HTTPFields = [.contentType: "application/json"]

    func create(_ api: APIHarness, _ body: JSONValue) async throws -> APIHarness.Reply {
        try await api.send(.post, "/api/v1/products", json: body)
    }

    func count(_ api: APIHarness) async throws -> Int {
        try await api.send(.get, "/api/v1/products").json["total"]?.intValue ?? -1
    }

    @Test(arguments: APIHarness.Backend.allCases)
    func createReadAndTheirHeaders(backend: APIHarness.Backend) async throws {
        let api = try APIHarness(backend)
        // When a product is created (its SKU trimmed, unknown fields ignored, defaults applied)
        let created = try await create(api, ["sku": " Ab-1 ", "name": "First", "colour": "red"])
        #expect(created.status == .created)
        let id = try #require(created.json["id"]?.stringValue)
        #expect(created.json["sku"] == "Ab-1")
        #expect(created.json["description"] == "")
        #expect(created.json["active"] == true)
        #expect(created.headers[.location] == "/api/v1/products/\(id)")
        let etag = try #require(created.headers[.eTag])
        #expect(etag.hasPrefix("W/\""))
        // Then it reads back with the same ETag
        let read = try await api.send(.get, "/api/v1/products/\(id)")
        #expect(read.status == .ok)
        #expect(read.json == created.json)
        #expect(read.headers[.eTag] == etag)
        // The body carries it too, and so does each row of a listing (for If-Match from a table)
        #expect(created.json["etag"] == .string(etag))
        #expect(try await api.send(.get, "/api/v1/products").json["items"]?.arrayValue?.first?["etag"] == .string(etag))
        // Unknown and non-UUID ids are 404
        #expect(try await api.send(.get, "/api/v1/products/\(JobID.make())").status == .notFound)
        #expect(try await api.send(.get, "/api/v1/products/not-a-uuid").status == .notFound)
        // The same SKU in another casing is a conflict naming the holder
        let duplicate = try await create(api, ["sku": "aB-1", "name": "Second"])
        #expect(duplicate.status == .conflict)
        #expect(duplicate.json["error"]?["code"] == "sku_exists")
        #expect(duplicate.json["error"]?["message"]?.stringValue?.contains(id) == true)
        #expect(try await count(api) == 1)
    }

    @Test(arguments: APIHarness.Backend.allCases)
    func badInputIsAClear4xxAndChangesNothing(backend: APIHarness.Backend) async throws {
        let api = try APIHarness(backend)
        let id = try #require(try await create(api, ["sku": "A", "name": "n"]).json["id"]?.stringValue)
        let before = try await api.send(.get, "/api/v1/products/\(id)")
        let long = String(repeating: "x", count: 10_000)
        let creates: [(String, HTTPResponse.Status, String?)] = [
            (#"{"name": "no sku"}"#, .unprocessableContent, "sku"),
            (#"{"sku": "B", "name": null}"#, .unprocessableContent, "name"),
            (#"{"sku": "B"}"#, .unprocessableContent, "name"),
            (#"{"sku": "   ", "name": "n"}"#, .unprocessableContent, "sku"),
            ("{\"sku\": \"\(long)\", \"name\": \"n\"}", .unprocessableContent, "sku"),
            (#"{"sku": "B", "name": "a\u0000b"}"#, .unprocessableContent, "name"),
            (#"{"sku": "B", "name": "n", "active": "yes"}"#, .unprocessableContent, "active"),
            (#"{"sku": 5, "name": "n"}"#, .unprocessableContent, "sku"),
            ("[1, 2]", .unprocessableContent, nil),
            (#""a string""#, .unprocessableContent, nil),
            ("{not json", .badRequest, nil),
        ]
        for (body, status, field) in creates {
            let reply = try await api.send(.post, "/api/v1/products", headers: Self.json, body: body)
            #expect(reply.status == status, "\(body.prefix(60)): \(reply.text)")
            if let field { #expect(reply.json["error"]?["field"] == .string(field), "\(body.prefix(60))") }
        }
        let updates: [(String, HTTPFields, HTTPResponse.Status)] = [
            ("{}", Self.json, .unprocessableContent),
            (#"{"colour": "red"}"#, Self.json, .unprocessableContent),
            (#"{"sku": null}"#, Self.json, .unprocessableContent),
            (#"{"active": 1}"#, Self.json, .unprocessableContent),
            (#"{"name": "x"}"#, [.contentType: "application/json", .ifMatch: "garbage"], .badRequest),
            (#"{"name": "x"}"#, [.contentType: "application/json", .ifMatch: "W/\"1\""], .preconditionFailed),
            (#"{"name": "x"}"#, [.contentType: "text/plain"], .unsupportedMediaType),
        ]
        for method in [HTTPRequest.Method.put, .patch] {
            for (body, headers, status) in updates {
                let reply = try await api.send(method, "/api/v1/products/\(id)", headers: headers, body: body)
                #expect(reply.status == status, "\(method) \(body) \(headers): \(reply.text)")
            }
        }
        let put = try await api.send(.put, "/api/v1/products/all", headers: Self.json, body: #"{"name": "x"}"#)
        #expect(put.status == .methodNotAllowed)
        #expect(put.headers[.allow] == "DELETE")
        #expect(try await api.send(.delete, "/api/v1/products/\(id)", headers: [.ifMatch: "\"nope\""]).status == .preconditionFailed)
        // Nothing changed
        #expect(try await api.send(.get, "/api/v1/products/\(id)").json == before.json)
        #expect(try await count(api) == 1)
    }

    @Test(arguments: APIHarness.Backend.allCases)
    func putAndPatchArePartialWithIfMatch(backend: APIHarness.Backend) async throws {
        let api = try APIHarness(backend)
        let created = try await create(api, ["sku": "ab-1", "name": "First", "description": "d"])
        let id = try #require(created.json["id"]?.stringValue)
        let etag = try #require(created.headers[.eTag])
        // PATCH with the current ETag changes only what it names
        let patched = try await api.send(
            .patch, "/api/v1/products/\(id)", headers: [.contentType: "application/json", .ifMatch: etag],
            body: #"{"active": false}"#)
        #expect(patched.status == .ok)
        #expect(patched.json["active"] == false && patched.json["name"] == "First" && patched.json["description"] == "d")
        let newTag = try #require(patched.headers[.eTag])
        #expect(newTag != etag)
        // The old ETag is now stale
        let stale = try await api.send(
            .put, "/api/v1/products/\(id)", headers: [.contentType: "application/json", .ifMatch: etag], body: #"{"name": "x"}"#)
        #expect(stale.status == .preconditionFailed)
        #expect(stale.json["error"]?["code"] == "precondition_failed")
        // PUT is partial too; a new casing of its own SKU is fine; null description is ""; * matches
        let put = try await api.send(
            .put, "/api/v1/products/\(id)", headers: [.contentType: "application/json", .ifMatch: "*"],
            body: #"{"sku": "AB-1", "description": null}"#)
        #expect(put.status == .ok)
        #expect(put.json["sku"] == "AB-1" && put.json["description"] == "" && put.json["active"] == false)
        // Another product's SKU is a conflict
        _ = try await create(api, ["sku": "zz", "name": "Z"])
        #expect(try await api.send(.patch, "/api/v1/products/\(id)", json: ["sku": "ZZ"]).status == .conflict)
        #expect(try await api.send(.patch, "/api/v1/products/\(JobID.make())", json: ["name": "x"]).status == .notFound)
        // DELETE: 204 with no body, then 404
        let deleted = try await api.send(.delete, "/api/v1/products/\(id)", headers: [.ifMatch: put.headers[.eTag] ?? ""])
        #expect(deleted.status == .noContent)
        #expect(deleted.body.isEmpty)
        #expect(try await api.send(.delete, "/api/v1/products/\(id)").status == .notFound)
        #expect(try await count(api) == 1)
    }

    @Test(arguments: APIHarness.Backend.allCases)
    func deleteAllThroughTheQueueWithItsStatus(backend: APIHarness.Backend) async throws {
        let api = try APIHarness(backend)
        for index in 0..<30 { _ = try await create(api, ["sku": .string("p-\(index)"), "name": "n"]) }
        let refused = try await api.send(.delete, "/api/v1/products/all?expected_total=29")
        #expect(refused.status == .conflict)
        #expect(refused.json["error"]?["code"] == "count_changed")
        #expect(try await api.send(.delete, "/api/v1/products/all?expected_total=lots").status == .unprocessableContent)
        let submitted = try await api.send(.delete, "/api/v1/products/all?expected_total=30")
        #expect(submitted.status == .accepted)
        #expect(submitted.json["status"] == "submitted")
        #expect(submitted.json["message"] == "Bulk delete task submitted. Use task ID to monitor progress.")
        let taskID = try #require(submitted.json["task_id"]?.stringValue)
        let pending = try await api.send(.get, "/api/v1/products/delete/\(taskID)/status")
        #expect(pending.json["status"] == "PENDING")
        try await api.withWorker {
            let done = try await eventually {
                try await api.send(.get, "/api/v1/products/delete/\(taskID)/status").json["status"] == "SUCCESS"
            }
            #expect(done)
        }
        let status = try await api.send(.get, "/api/v1/products/delete/\(taskID)/status")
        #expect(status.json["deleted_count"] == 30 && status.json["total"] == 30 && status.json["percent"]?.doubleValue == 100)
        #expect(status.json["message"] == "Successfully deleted 30 products")
        #expect(status.json["error"] == .null)
        #expect(try await count(api) == 0)
        // Not a bulk delete, or unknown: 404
        let other = try #require(try await api.send(.post, "/api/v1/celery/test").json["task_id"]?.stringValue)
        #expect(try await api.send(.get, "/api/v1/products/delete/\(other)/status").status == .notFound)
        #expect(try await api.send(.get, "/api/v1/products/delete/\(JobID.make())/status").status == .notFound)
    }

    @Test(arguments: APIHarness.Backend.allCases)
    func aFailedImportIsRetriedWhileItsUploadIsKept(backend: APIHarness.Backend) async throws {
        let api = try APIHarness(backend)
        // Given a failed import (a UTF-16 file) and a successful one
        let failed = try await CatalogRoutesTests().runImport(api, "\u{FEFF}sku,name\nA,1\n".data(using: .utf16LittleEndian)!)
        let good = try await CatalogRoutesTests().runImport(api, "sku,name\nA,1\n")
        #expect(try await api.send(.get, "/api/v1/imports/\(failed.importID)").json["state"] == "FAILURE")
        // When it is retried, a new import runs the same file, linked to the first
        let retried = try await api.send(.post, "/api/v1/imports/\(failed.importID)/retry")
        #expect(retried.status == .accepted)
        #expect(retried.json["retry_of"] == .string(failed.importID))
        #expect(retried.json["status"] == "submitted")
        let newImport = try #require(retried.json["import_id"]?.stringValue)
        #expect(newImport != failed.importID)
        #expect(try await api.send(.get, "/api/v1/imports/\(newImport)").json["retry_of"] == .string(failed.importID))
        // Then a second retry, a successful import, an unknown one and a lost upload are refused
        #expect(try await api.send(.post, "/api/v1/imports/\(failed.importID)/retry").json["error"]?["code"] == "already_retried")
        let notFailed = try await api.send(.post, "/api/v1/imports/\(good.importID)/retry")
        #expect(notFailed.status == .conflict)
        #expect(notFailed.json["error"]?["code"] == "not_failed")
        #expect(try await api.send(.post, "/api/v1/imports/\(JobID.make())/retry").status == .notFound)
        try await api.withWorker {
            let failedAgain = try await eventually { try await api.send(.get, "/api/v1/imports/\(newImport)").json["state"] == "FAILURE" }
            #expect(failedAgain)
        }
        // Gone from the uploads directory and (on PostgreSQL) from the stored uploads, as a cleanup does
        for file in try FileManager.default.contentsOfDirectory(atPath: api.context.catalog.uploadsDirectory) {
            try FileManager.default.removeItem(atPath: api.context.catalog.uploadsDirectory + "/" + file)
        }
        _ = try api.context.catalog.store.deleteUploads(storedBefore: .distantFuture, keeping: [])
        let missing = try await api.send(.post, "/api/v1/imports/\(newImport)/retry")
        #expect(missing.status == .conflict)
        #expect(missing.json["error"]?["code"] == "upload_missing")
    }

    /// After any mix of creates, updates of `active`, deletes, imports and a bulk delete, every
    /// filter's `total` equals what counting the table says.
    @Test func totalsStayExactThroughEveryKindOfWrite() async throws {
        let api = try APIHarness { $0.catalog.importDefaults.batchRows = 7 }
        var generator = SystemRandomNumberGenerator()
        var ids: [String] = []
        func check(_ step: String) async throws {
            let filters = ["", "active=true", "active=false", "sku=p-1", "name=Name%201", "description=d", "sku=p&active=false"]
            let expected = try api.catalogSQL { db in
                try filters.map { filter -> Int in
                    switch filter {
                    case "": return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM products")!
                    case "active=true": return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM products WHERE active = 1")!
                    case "active=false": return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM products WHERE active = 0")!
                    case "sku=p-1": return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM products WHERE sku_key LIKE 'p-1%'")!
                    case "name=Name%201": return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM products WHERE name LIKE '%Name 1%'")!
                    case "description=d": return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM products WHERE description LIKE '%d%'")!
                    default:
                        return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM products WHERE sku_key LIKE 'p%' AND active = 0")!
                    }
                }
            }
            for (filter, count) in zip(filters, expected) {
                let total = try await api.send(.get, "/api/v1/products?limit=1&\(filter)").json["total"]?.intValue
                #expect(total == count, "\(step): \(filter)")
            }
        }
        for round in 0..<3 {
            for index in 0..<40 {
                let reply = try await create(
                    api,
                    ["sku": .string("p-\(round)-\(index)"), "name": .string("Name \(index)"), "description": "d",
                     "active": .bool(Bool.random(using: &generator))])
                ids.append(try #require(reply.json["id"]?.stringValue))
            }
            try await check("creates \(round)")
            for id in ids.shuffled(using: &generator).prefix(15) {
                _ = try await api.send(.patch, "/api/v1/products/\(id)", json: ["active": .bool(Bool.random(using: &generator))])
            }
            try await check("updates \(round)")
            for id in ids.shuffled(using: &generator).prefix(10) {
                _ = try await api.send(.delete, "/api/v1/products/\(id)")
            }
            try await check("deletes \(round)")
            var csv = "sku,name,active\n"
            for index in 0..<30 { csv += "P-\(round)-\(index * 2),Name \(index),\(index % 3 == 0 ? "false" : "true")\n" }
            for index in 0..<10 { csv += "q-\(round)-\(index),Other,true\n" }
            _ = try await CatalogRoutesTests().runImport(api, csv)
            try await check("import \(round)")
        }
        let submitted = try await api.send(.delete, "/api/v1/products/all")
        let taskID = try #require(submitted.json["task_id"]?.stringValue)
        try await api.withWorker {
            let done = try await eventually {
                try await api.send(.get, "/api/v1/products/delete/\(taskID)/status").json["status"] == "SUCCESS"
            }
            #expect(done)
        }
        _ = try await create(api, ["sku": "p-after", "name": "Name 1", "active": false])
        try await check("bulk delete")
    }
}
